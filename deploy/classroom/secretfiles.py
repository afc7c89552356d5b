"""The class's secrets: made from the OS's random source, kept in files only
their owner reads."""

import os
import secrets

from settings import ClassroomError


def write_secret(path, text):
    """Writes a file only its owner can read, never readable in between."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def read_secret(path):
    with open(path) as f:
        return f.read().strip()


_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's: no I, L, O, U


def random_text(chars):
    """chars characters of Crockford's base32 from the OS's random source
    (5 bits each)."""
    n = int.from_bytes(secrets.token_bytes((chars * 5 + 7) // 8), "big")
    return "".join(_B32[(n >> (5 * i)) & 31] for i in range(chars))


def grouped(text, size=4):
    return "-".join(text[i:i + size] for i in range(0, len(text), size))


def normalize_code(text):
    """A workshop code as typed: case, spaces and dashes do not matter."""
    return "".join(c for c in text.upper() if c.isalnum()).replace("O", "0").replace("I", "1").replace("L", "1")


def ensure_secret(path, given_file, make, what):
    """Returns the secret in path: taken from given_file if the host gave
    one, else kept from an earlier run, else made now."""
    if given_file:
        try:
            value = read_secret(given_file)
        except OSError as e:
            raise ClassroomError(f"cannot read the {what} from {given_file}: {e}") from None
        if len(value) < 8:
            raise ClassroomError(f"the {what} in {given_file} has fewer than 8 characters")
        write_secret(path, value)
        return value
    if os.path.exists(path):
        return read_secret(path)
    value = make()
    write_secret(path, value)
    return value
