"""Static files, uploads and releases: the local disk or an S3-compatible bucket."""

from pathlib import Path

from .environment import DEBUG, VAR_DIR, env

MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Releases and uploads: in MEDIA_ROOT, or in the S3-compatible bucket named (django-storages' AWS_*
# names) that every node shares; downloads redirect to an address presigned for AWS_QUERYSTRING_EXPIRE
# seconds, unless DOLLY_DOWNLOAD_REDIRECT is off (the site then streams the file from the bucket).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="") or None
AWS_LOCATION = env.str("AWS_LOCATION", default="")
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)
AWS_S3_FILE_OVERWRITE = True
AWS_DEFAULT_ACL = None
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_S3_MAX_MEMORY_SIZE = 8 * 1024 * 1024  # larger files read back from the bucket spill to a temporary file
DOLLY_DOWNLOAD_REDIRECT = env.bool("DOLLY_DOWNLOAD_REDIRECT", default=True)
if AWS_STORAGE_BUCKET_NAME:
    from botocore.config import Config as _S3ClientConfig

    # Given a client configuration, django-storages no longer applies these two settings itself.
    AWS_S3_CLIENT_CONFIG = _S3ClientConfig(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 5, "mode": "standard"},
        signature_version=AWS_S3_SIGNATURE_VERSION,
        s3={"addressing_style": AWS_S3_ADDRESSING_STYLE},
    )
STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage"
        if AWS_STORAGE_BUCKET_NAME
        else "django.core.files.storage.FileSystemStorage"
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
