import hashlib
import re
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from . import names, selectors
from .models import ApiKey, Profile, SSOIdentity
from .permissions import ADMIN_GROUP, REVIEWER_GROUP


class SignInRefused(Exception):
    """A single sign-on that the site turns down; ``reason`` says why (see ``accounts.views``)."""

    def __init__(self, reason, **params):
        super().__init__(reason)
        self.reason = reason
        self.params = params


def get_or_create_api_token(*, user):
    token, _ = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def rotate_api_token(*, user):
    """Replace the user's token: the old key stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def check_name(*, name, field, user=None):
    """A username or display name: nothing hidden, and not mistakable for someone else's name."""
    try:
        names.check_visible_text(name)
    except ValidationError as error:
        raise ValidationError({field: error.messages})
    wanted = names.skeleton(name)
    if any(names.skeleton(other) == wanted for other in selectors.names_in_use(exclude_user=user)):
        raise ValidationError({field: _("This name is taken, or looks too much like someone else's name.")})


def email_domain_allowed(email):
    allowed = settings.ALLOWED_EMAIL_DOMAINS
    return not allowed or email.rsplit("@", 1)[-1].lower() in allowed


def check_email_domain(*, email):
    if not email_domain_allowed(email):
        raise ValidationError(
            {
                "email": _("Sign-up is open to addresses at %(domains)s only.")
                % {"domains": ", ".join(settings.ALLOWED_EMAIL_DOMAINS)}
            }
        )


def check_email_available(*, email, user=None):
    if selectors.email_in_use(email=email, exclude_user=user):
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})


def user_create(*, username, email, password=None, first_name="", last_name="", is_active=True):
    """A new account; the database keeps e-mail addresses unique even when sign-ups race."""
    check_name(name=username, field="username")
    if email:
        check_email_available(email=email)
    user = get_user_model()(
        username=username,
        email=email,
        first_name=names.without_hidden_characters(first_name),
        last_name=names.without_hidden_characters(last_name),
        is_active=is_active,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Someone else took the address or the username between the checks and the insert.
        if email:
            check_email_available(email=email)
        if get_user_model().objects.filter(username=username).exists():
            raise ValidationError({"username": _("A user with that username already exists.")})
        raise
    return user


def profile_for(*, user):
    """The user's profile, created with defaults the first time anything needs it."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def profile_update(*, user, display_name, show_on_boards):
    """What a person may change about themselves; the team is set by admins."""
    profile = profile_for(user=user)
    display_name = display_name.strip()
    if display_name and display_name != profile.display_name:
        check_name(name=display_name, field="display_name", user=user)
    profile.display_name = display_name
    profile.show_on_boards = show_on_boards
    profile.full_clean(exclude=["user"])
    profile.save(update_fields=["display_name", "show_on_boards"])
    return profile


# Machine accounts ----------------------------------------------------------------------

API_KEY_PREFIX = "dolly_"
API_KEY_TOUCH_SECONDS = 60  # last use is written at most once a minute per key


def _hash_key(raw):
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_key_create(*, name, created_by, role=ApiKey.Role.DATASET_READER):
    """A new key; returns ``(api_key, raw_key)``.  The raw key is never stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the key a name, e.g. the job or machine that uses it.")]})
    if role not in ApiKey.Role.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(name=name, role=role, prefix=raw[: len(API_KEY_PREFIX) + 6], key_hash=_hash_key(raw))
    api_key.created_by = created_by
    api_key.full_clean(exclude=["created_by", "revoked_by"])
    api_key.save()
    return api_key, raw


def api_key_revoke(*, api_key, revoked_by):
    """The key stops working at once; revoking it twice changes nothing."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=revoked_by
    )
    api_key.refresh_from_db()
    return api_key


def api_key_authenticate(*, raw):
    """The active key ``raw`` is, with its last use recorded; ``None`` for an unknown or revoked key."""
    if not raw or not raw.startswith(API_KEY_PREFIX) or len(raw) > 100:
        return None
    api_key = ApiKey.objects.filter(key_hash=_hash_key(raw), revoked_at__isnull=True).first()
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() >= API_KEY_TOUCH_SECONDS:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def user_set_roles(*, user, roles):
    """Make the user's reviewer and admin roles exactly ``roles`` (admins are staff and superusers)."""
    for role, group_name in (("reviewer", REVIEWER_GROUP), ("admin", ADMIN_GROUP)):
        group, _created = Group.objects.get_or_create(name=group_name)
        if role in roles:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    is_admin = "admin" in roles
    if (user.is_staff, user.is_superuser) != (is_admin, is_admin):
        user.is_staff = user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("_dolly_group_names", None)


_USERNAME_CHARACTERS = re.compile(r"[^\w.@+-]")


def _free_username(hint):
    """A username from ``hint`` that nobody has and that looks like nobody else's name."""
    base = _USERNAME_CHARACTERS.sub("", unicodedata.normalize("NFKC", hint))[:140] or "user"
    taken = {names.skeleton(name) for name in selectors.names_in_use()}
    for n in range(1, 1000):
        candidate = base if n == 1 else f"{base}-{n}"
        if names.skeleton(candidate) not in taken:
            return candidate
    raise SignInRefused("email_taken", email=hint)


def _sso_account(identity):
    """The account an identity signs in to: linked before, or the one holding its e-mail address."""
    link = SSOIdentity.objects.select_related("user").filter(issuer=identity.issuer, subject=identity.subject).first()
    if link is not None:
        return link.user, link
    user = get_user_model().objects.filter(email__iexact=identity.email).first()
    if user is None:
        return None, None
    if SSOIdentity.objects.filter(user=user, issuer=identity.issuer).exists():
        raise SignInRefused("email_taken", email=identity.email)
    if not user.is_active and user.last_login is None:
        # A sign-up whose address was never confirmed: the provider has just confirmed it, and
        # the password was chosen by whoever signed up, so it stops working.
        user.is_active = True
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
    return user, None


@transaction.atomic
def user_sso_sign_in(*, identity):
    """The account for a person the identity provider vouches for, created on first sign-in and
    brought up to date (name, e-mail address, roles) on every later one."""
    if not identity.email:
        raise SignInRefused("no_email")
    if not identity.email_verified:
        raise SignInRefused("unverified", email=identity.email)
    if not email_domain_allowed(identity.email):
        raise SignInRefused("domain", email=identity.email, domains=", ".join(settings.ALLOWED_EMAIL_DOMAINS))
    user, link = _sso_account(identity)
    if user is None:
        try:
            user = user_create(
                username=_free_username(identity.username_hint),
                email=identity.email,
                first_name=identity.first_name,
                last_name=identity.last_name,
            )
        except ValidationError:
            # The same person signing in twice at once finds the account the other request made.
            user, link = _sso_account(identity)
            if link is None:
                raise SignInRefused("email_taken", email=identity.email)
    if not user.is_active:
        raise SignInRefused("disabled")
    _sso_update(user=user, identity=identity)
    if link is None:
        link = SSOIdentity(user=user, issuer=identity.issuer, subject=identity.subject)
    link.last_sign_in = timezone.now()
    link.save()
    if identity.roles is not None:
        user_set_roles(user=user, roles=identity.roles)
    return user


def _sso_update(*, user, identity):
    if identity.email.lower() != user.email.lower() and selectors.email_in_use(email=identity.email, exclude_user=user):
        raise SignInRefused("email_taken", email=identity.email)
    fields = {"email": identity.email, "first_name": identity.first_name, "last_name": identity.last_name}
    fields = {field: value for field, value in fields.items() if value}  # a claim not sent changes nothing
    changed = [field for field, value in fields.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, fields[field])
    if changed:
        user.save(update_fields=changed)


# Confirming the address of a sign-up ------------------------------------------------------

CONFIRMATION_SALT = "accounts.signup-confirmation"


class ConfirmationFailed(Exception):
    """A confirmation link that cannot be used; ``reason`` is ``invalid``, ``expired`` or ``used``."""

    def __init__(self, reason, user=None):
        super().__init__(reason)
        self.reason = reason
        self.user = user


def is_awaiting_confirmation(user):
    """A sign-up whose address was never confirmed: inactive and never signed in."""
    return not user.is_active and user.last_login is None


def confirmation_token(*, user):
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=CONFIRMATION_SALT, compress=True)


def user_sign_up(*, username, email, password):
    """Self sign-up.  With ALLOWED_EMAIL_DOMAINS the account stays locked until the link e-mailed
    to the address is opened (anyone could otherwise claim payroll@ the company); without, it is
    active at once, as anybody may sign up anyway."""
    confirm = bool(settings.ALLOWED_EMAIL_DOMAINS)
    with transaction.atomic():
        user = user_create(username=username, email=email, password=password, is_active=not confirm)
        if confirm:
            transaction.on_commit(lambda: signup_confirmation_send(user=user), robust=True)
    return user


def signup_confirmation_send(*, user):
    """E-mail the link that activates the account; the link is built on DOLLY_SITE_URL, never on
    the request's Host header (which a client chooses)."""
    link = settings.DOLLY_SITE_URL + reverse("signup-confirm", kwargs={"token": confirmation_token(user=user)})
    subject = _("Confirm your e-mail address for Dolly Collect")
    body = _(
        "Hello %(username)s,\n\nOpen this link within %(hours)d hours to confirm your address and start "
        "using your account:\n\n%(link)s\n\nIf you did not sign up, ignore this message: the account "
        "stays locked."
    ) % {"username": user.get_username(), "hours": settings.SIGNUP_CONFIRMATION_HOURS, "link": link}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _token_user(token, *, max_age):
    data = signing.loads(token, salt=CONFIRMATION_SALT, max_age=max_age)
    user = get_user_model().objects.filter(pk=data.get("user")).first()
    if user is None or user.email.lower() != data.get("email"):
        raise signing.BadSignature("the account or its address changed")
    return user


def check_confirmation(*, token):
    """The account awaiting confirmation that ``token`` names, or ConfirmationFailed; changes nothing."""
    try:
        user = _token_user(token, max_age=settings.SIGNUP_CONFIRMATION_HOURS * 3600)
    except signing.SignatureExpired:
        try:
            user = _token_user(token, max_age=None)
        except (signing.BadSignature, ValueError, TypeError, AttributeError):
            raise ConfirmationFailed("invalid")
        raise ConfirmationFailed("expired", user=user if is_awaiting_confirmation(user) else None)
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        raise ConfirmationFailed("invalid")
    if user.is_active:
        raise ConfirmationFailed("used")
    if not is_awaiting_confirmation(user):
        raise ConfirmationFailed("invalid")  # deactivated by an admin after use: a link does not undo it
    return user


def signup_confirm(*, token):
    """Activate the account a confirmation link names and return it (raises ConfirmationFailed)."""
    user = check_confirmation(token=token)
    get_user_model().objects.filter(pk=user.pk, is_active=False, last_login__isnull=True).update(is_active=True)
    user.is_active = True
    return user
