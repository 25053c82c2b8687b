"""agentmart quickstart: accounts, the builder and the marketplace in ~60 lines.

    pip install agentmart            # or: pip install the wheel built by maturin
    python examples/python/quickstart.py [STORE_URL]

STORE_URL defaults to a sled database in a temporary directory
(`memory:` also works). Runs offline; nothing is sent anywhere.
"""

from __future__ import annotations

import sys
import tempfile

import agentmart
from example_secret import example_secret


def main(store_url: str) -> None:
    # One instance per process; share it between threads. The secret is
    # AGENTMART_JWT_SECRET (in production: >= 32 random bytes, the same on every
    # server), else a random one for this run; a published one is refused.
    with agentmart.Agentmart.open(store_url, jwt_secret=example_secret()) as mart:
        # Accounts: register, log in, turn the access token into a principal.
        reg = mart.auth.register("ada@example.com", "correct horse battery staple", display_name="Ada")
        print(f"registered @{reg.user.handle} ({reg.user.id})")
        tokens = mart.auth.login("ada@example.com", "correct horse battery staple", ip="203.0.113.7")
        ada = mart.auth.authenticate(tokens.access_token)

        # The builder: a draft, then an immutable published version.
        draft = mart.agents.create(
            ada,
            "summarizer",
            name="Summarizer",
            tagline="Summaries of long texts",
            system_prompt="Summarize the user's text in three bullet points.",
            input_modes=["text/plain"],
            output_modes=["text/plain"],
            skills=[{"id": "summarize", "name": "Summarize", "tags": ["text"]}],
            tags=["text", "productivity"],
        )
        print(f"draft {draft.owner}/{draft.slug}: {len(draft.warnings)} warning(s)")
        version = mart.agents.publish(ada, "ada/summarizer", "1.0.0", changelog="First release")
        print(f"published {version.slug} {version.version}")

        # Bring your own identity: a user of the host's own login system.
        bob = mart.auth.principal_for_external("sso|bob", handle="bob", display_name="Bob")

        # The marketplace: browse, install, rate.
        for item in mart.market.list(q="summaries", sort="popular").items:
            print(f"found {item.owner}/{item.slug}: {item.tagline}")
        mart.market.install(bob, "ada/summarizer")
        mart.market.rate(bob, "ada/summarizer", 5, title="Saves me hours")
        detail = mart.market.detail("ada/summarizer", viewer=bob)
        print(f"{detail.name}: {detail.install_count} install(s), {detail.rating.mean:.1f} stars")

        # Errors are exceptions with the core's code.
        try:
            mart.auth.register("ada@example.com", "another long passphrase")
        except agentmart.EmailTaken as err:
            print(f"as expected: {err.code}")
        except agentmart.AgentmartError as err:
            print(f"unexpected: {err.code}: {err}")

        # The A2A card other agents can read.
        card = mart.agents.card("ada/summarizer")
        print(f"A2A card: {card.name} {card.version} at {card.url}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(f"sled:{tmp}/agentmart")
