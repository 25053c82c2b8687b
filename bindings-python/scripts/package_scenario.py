"""The packaging check's scenario, run against the *installed* wheel.

`scripts/package_check.sh` runs this with `python -I` from an empty
directory inside a fresh virtualenv, so `import agentmart` can only find the
copy pip installed, never the source tree. It fails (non-zero exit) when the
package is not the installed one, misses a file, or cannot run the basics.

    python -I package_scenario.py SOURCE_PACKAGE_DIR STORE_URL
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import agentmart
import agentmart.aio

PASSWORD = "correct horse battery staple"
FAST = {"hashing": {"m_cost": 64, "t_cost": 1, "p_cost": 1}}


def check_installed_copy(source: Path) -> None:
    installed = Path(agentmart.__file__).resolve().parent
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    if site not in installed.parents:
        sys.exit(f"agentmart was imported from {installed}, not from the virtualenv's {site}")
    # Every file of the pure-Python half (modules, stubs, py.typed) must ship.
    wanted = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    shipped = {p.relative_to(installed).as_posix() for p in installed.rglob("*") if p.is_file()}
    missing = sorted(wanted - shipped)
    if missing:
        sys.exit(f"the wheel lacks {missing}")
    if not any(name.startswith("_native") for name in shipped):
        sys.exit("the wheel lacks the compiled agentmart._native module")


def scenario(store_url: str) -> None:
    with agentmart.Agentmart.open(store_url, jwt_secret="package-check-secret-0123456789abcdef", config=FAST) as mart:
        reg = mart.auth.register("pkg@example.com", PASSWORD, handle="pkg")
        tokens = mart.auth.login("pkg@example.com", PASSWORD, ip="203.0.113.7")
        me = mart.auth.authenticate(tokens.access_token)
        assert me.user_id == reg.user.id, (me.user_id, reg.user.id)
        mart.agents.create(
            me,
            "summarizer",
            name="Summarizer",
            tagline="Summaries of long texts",
            description="Turns long documents into short summaries.",
            system_prompt="Summarize the user's text in three bullet points.",
            input_modes=["text/plain"],
            output_modes=["text/plain"],
            skills=[{"id": "summarize", "name": "Summarize", "tags": ["text"]}],
            tags=["text"],
        )
        version = mart.agents.publish(me, "pkg/summarizer", "1.0.0")
        assert version.version == "1.0.0", version
        page = mart.market.list()
        assert [(i.owner, i.slug) for i in page.items] == [("pkg", "summarizer")], page
        try:
            mart.auth.login("pkg@example.com", "not the password at all", ip="203.0.113.7")
        except agentmart.InvalidCredentials as err:
            assert err.code == "invalid_credentials"
        else:
            sys.exit("a wrong password was accepted")


def main() -> None:
    source, store_url = Path(sys.argv[1]).resolve(), sys.argv[2]
    check_installed_copy(source)
    scenario(store_url)
    print(f"installed wheel OK on {store_url.split(':')[0]} ({Path(agentmart.__file__).parent})")


if __name__ == "__main__":
    main()
