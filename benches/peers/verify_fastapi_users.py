"""The bare verify rate of FastAPI-Users' own password hasher (pwdlib's
Argon2Hasher with argon2-cffi's defaults, then bcrypt, exactly as
fastapi_users.password.PasswordHelper builds it), in as many processes as
the server has uvicorn workers: the ceiling of its login throughput.

Usage: python verify_fastapi_users.py SECONDS PROCESSES
Prints `RESULT verify_fastapi_users rps=... verifies=... processes=...`.
"""

import multiprocessing
import sys
import time

PASSWORD = "load test passphrase 4711"


def work(args: tuple[float, str]) -> int:
    seconds, phc = args
    from fastapi_users.password import PasswordHelper

    helper = PasswordHelper()
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ok, _ = helper.verify_and_update(PASSWORD, phc)
        assert ok
        n += 1
    return n


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    from fastapi_users.password import PasswordHelper

    phc = PasswordHelper().hash(PASSWORD)
    start = time.monotonic()
    with multiprocessing.Pool(processes) as pool:
        total = sum(pool.map(work, [(seconds, phc)] * processes))
    elapsed = time.monotonic() - start
    params = phc.split("$")[3]
    print(f"RESULT verify_fastapi_users rps={total / elapsed:.1f} verifies={total} processes={processes} params={params}")


if __name__ == "__main__":
    main()
