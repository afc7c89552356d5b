"""The class's TLS certificate on the room's network: the host's, or one
made for the class, and its fingerprint."""

import datetime
import hashlib
import ipaddress
import os
import socket
import subprocess

from files import makedirs
from secretfiles import write_secret
from settings import CERT_DAYS, ClassroomError


def machine_addresses():
    """The machine's IP addresses but loopback, for a certificate and for the
    URLs the host reads out."""
    found = []
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
        found = out.split()
    except (OSError, subprocess.SubprocessError):
        pass
    if not found:
        try:
            found = sorted({a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None)})
        except OSError:
            pass
    return [a for a in found if not ipaddress.ip_address(a.split("%")[0]).is_loopback]


def ensure_certificate(s):
    """Returns (cert, key) paths: the host's, or a certificate made for the
    class (kept while valid for more than two days)."""
    if s.tls_cert:
        for p in (s.tls_cert, s.tls_key):
            if not os.access(p, os.R_OK):
                raise ClassroomError(f"cannot read {p}")
        return s.tls_cert, s.tls_key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = os.path.join(s.state, "tls")
    makedirs(folder, 0o700)
    cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    names = sorted({s.listen, "127.0.0.1", *machine_addresses()} - {"0.0.0.0", "::"})
    hosts = sorted({"localhost", socket.gethostname()})
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            have = {str(a) for a in san.get_values_for_type(x509.IPAddress)}
        except x509.ExtensionNotFound:
            have = set()
        if cert.not_valid_after_utc - datetime.timedelta(days=2) > datetime.datetime.now(datetime.timezone.utc) and set(names) <= have:
            return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "go-async-workshop classroom")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(h) for h in hosts] + [x509.IPAddress(ipaddress.ip_address(a.split("%")[0])) for a in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    write_secret(key_path, key_pem.decode().strip())
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def fingerprint(cert_path):
    """The certificate's SHA-256 fingerprint, as browsers show it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    with open(cert_path, "rb") as f:
        der = x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
