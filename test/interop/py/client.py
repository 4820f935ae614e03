"""A real py-spiffe peer for tspire's interop tests.

Calls every Workload API RPC through py-spiffe's WorkloadApiClient, validates the JWT-SVID with
py-spiffe's JwtSvid.parse_and_validate against the fetched JWT bundle, checks each X509-SVID chain
up to a bundle authority with the `cryptography` package (py-spiffe parses SVIDs but has no chain
verifier), and prints one JSON document. Exit 1 when any step failed; "errors" names the steps.

    python client.py <socket path> [audience]
"""
import datetime
import json
import sys

from cryptography.x509 import Certificate
from spiffe import JwtSvid, WorkloadApiClient

TIMEOUT_S = 10.0


def verify_chain(chain: list, authorities: set) -> None:
    """Checks validity windows and that each certificate is signed by the next, ending at an authority."""
    now = datetime.datetime.now(datetime.timezone.utc)
    for cert in chain:
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise ValueError('certificate %s is outside its validity window' % cert.subject.rfc4514_string())
    for child, parent in zip(chain, chain[1:]):
        child.verify_directly_issued_by(parent)
    last: Certificate = chain[-1]
    for authority in authorities:
        try:
            last.verify_directly_issued_by(authority)
            return
        except Exception:  # noqa: BLE001 - try the next authority
            continue
    raise ValueError('no bundle authority signed the chain')


def main() -> int:
    socket = sys.argv[1]
    audience = sys.argv[2] if len(sys.argv) > 2 else 'spiffe://example.org/interop'
    out = {'x509_svids': [], 'x509_bundles': [], 'jwt_bundles': [], 'jwt_svid': None, 'errors': {}}
    client = WorkloadApiClient(socket_path='unix://' + socket, default_timeout=TIMEOUT_S)
    try:
        run(client, audience, out)
    finally:
        client.close()
    print(json.dumps(out, sort_keys=True))
    return 1 if out['errors'] else 0


def step(out: dict, name: str, fn):
    try:
        return fn()
    except Exception as err:  # noqa: BLE001 - every failure is reported by step name
        out['errors'][name] = '%s: %s' % (type(err).__name__, err)
        return None


def run(client: WorkloadApiClient, audience: str, out: dict) -> None:
    context = step(out, 'fetch_x509_context', client.fetch_x509_context)
    if context is not None:
        for svid in context.x509_svids:
            entry = {'id': str(svid.spiffe_id), 'chain_length': len(svid.cert_chain), 'verified': False}
            bundle = context.x509_bundle_set.get_bundle_for_trust_domain(svid.spiffe_id.trust_domain)
            if bundle is None:
                out['errors']['bundle for ' + entry['id']] = 'missing'
            else:
                entry['verified'] = step(out, 'verify ' + entry['id'],
                                         lambda: verify_chain(svid.cert_chain, bundle.x509_authorities) or True) is True
            out['x509_svids'].append(entry)
    bundles = step(out, 'fetch_x509_bundles', client.fetch_x509_bundles)
    if bundles is not None:
        out['x509_bundles'] = sorted(
            [{'trust_domain': b.trust_domain.name, 'authorities': len(b.x509_authorities)} for b in bundles.bundles],
            key=lambda b: b['trust_domain'])
    jwt_bundles = step(out, 'fetch_jwt_bundles', client.fetch_jwt_bundles)
    if jwt_bundles is not None:
        out['jwt_bundles'] = sorted(
            [{'trust_domain': b.trust_domain.name, 'key_ids': sorted(b.jwt_authorities.keys())} for b in jwt_bundles.bundles],
            key=lambda b: b['trust_domain'])
    svid = step(out, 'fetch_jwt_svid', lambda: client.fetch_jwt_svid(audience={audience}))
    if svid is None:
        return
    entry = {'id': str(svid.spiffe_id), 'audience': sorted(svid.audience), 'expiry': svid.expiry}
    out['jwt_svid'] = entry
    if jwt_bundles is not None:
        bundle = jwt_bundles.get_bundle_for_trust_domain(svid.spiffe_id.trust_domain)
        validated = step(out, 'parse_and_validate', lambda: JwtSvid.parse_and_validate(svid.token, bundle, {audience}))
        if validated is not None:
            entry['local_validated_id'] = str(validated.spiffe_id)
    api_validated = step(out, 'validate_jwt_svid', lambda: client.validate_jwt_svid(svid.token, audience))
    if api_validated is not None:
        entry['api_validated_id'] = str(api_validated.spiffe_id)
    # A tampered token must be refused by the agent's ValidateJWTSVID.
    tampered = svid.token[:-4] + ('AAAA' if not svid.token.endswith('AAAA') else 'BBBB')
    try:
        client.validate_jwt_svid(tampered, audience)
        out['errors']['validate_tampered'] = 'a tampered token was accepted'
    except Exception:  # noqa: BLE001 - the refusal is the expected outcome
        entry['tampered_rejected'] = True


if __name__ == '__main__':
    sys.exit(main())
