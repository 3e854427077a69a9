"""Helpers for the browser tests: screenshots and the axe-core accessibility check."""

import json
from pathlib import Path

from django.conf import settings

HERE = Path(__file__).resolve().parent
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
AXE = HERE / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
PASSWORD = "pass-for-tests-1"


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def axe_violations(page, *, impacts=BLOCKING_IMPACTS):
    """Run axe-core on the page and return the violations of the given impacts, as readable strings."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: a script tag would be refused by the site's CSP.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const late = new Promise((_, reject) => setTimeout(
            () => reject(new Error("axe-core did not finish within 60 s")), 60000));
        const run = axe.run(document, {resultTypes: ["violations"]});
        return JSON.stringify((await Promise.race([run, late])).violations);
    }""")
    found = []
    for violation in json.loads(result):
        if violation["impact"] in impacts:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
            found.append(f"{violation['impact']} {violation['id']}: {violation['help']} at {targets}")
    return found
