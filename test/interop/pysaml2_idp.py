#!/usr/bin/python3
"""pysaml2 as the identity provider in Gatehouse's interop tests (test/interop/pysaml2.test.ts).

Run with Debian's /usr/bin/python3 (python3-pysaml2, xmlsec1). Every call is stateless: the IdP
is rebuilt from the key, certificate and SP metadata files named on the command line.

  pysaml2_idp.py --key K --cert C metadata
      prints this IdP's metadata XML (SSO endpoints for HTTP-Redirect and HTTP-POST).
  pysaml2_idp.py --key K --cert C --sp-metadata SP.xml respond < request.json
      request.json: {samlRequest, sigAlg, signature, relayState, nameId, attributes,
                     signResponse, signAssertion, encryptAssertion, unsolicited}
      samlRequest, sigAlg, signature and relayState are the raw (still URL-encoded) query-string
      values of Gatehouse's HTTP-Redirect URL. Prints
      {samlResponse (base64), relayState, destination, inResponseTo, requestSignatureVerified}.
  pysaml2_idp.py --key K --cert C --sp-metadata SP.xml serve
      both of the above over JSON lines ({"command": ..., ...} in, {"ok"|"error": ...} out), so the
      slow import of saml2 happens once per test file. The SP metadata file is read per request.
"""
import argparse
import base64
import json
import sys
import traceback
from urllib.parse import unquote

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_EMAILADDRESS
from saml2.server import Server
from saml2.sigver import verify_redirect_signature
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

IDP_ENTITY_ID = 'https://idp.interop.test/metadata'
IDP_SSO_URL = 'https://idp.interop.test/sso'
PASSWORD_CLASS = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'


def make_server(key_file, cert_file, sp_metadata=None):
    config = {
        'entityid': IDP_ENTITY_ID,
        'xmlsec_binary': '/usr/bin/xmlsec1',
        'key_file': key_file,
        'cert_file': cert_file,
        'delete_tmpfiles': True,
        'accepted_time_diff': 60,
        'service': {
            'idp': {
                'name': 'pysaml2 interop IdP',
                'endpoints': {
                    'single_sign_on_service': [
                        (IDP_SSO_URL, BINDING_HTTP_REDIRECT),
                        (IDP_SSO_URL, BINDING_HTTP_POST),
                    ],
                },
                'name_id_format': [NAMEID_FORMAT_EMAILADDRESS],
                # The Redirect binding carries its signature in the query string, not in the XML:
                # it is checked below with verify_redirect_signature, not by parse_authn_request.
                'want_authn_requests_signed': False,
                'policy': {
                    'default': {
                        'lifetime': {'minutes': 5},
                        'attribute_restrictions': None,
                        'name_form': NAME_FORMAT_BASIC,
                    },
                },
            },
        },
    }
    if sp_metadata is not None:
        config['metadata'] = {'local': [sp_metadata]}
    conf = IdPConfig()
    conf.load(config)
    return Server(config=conf), conf


def only_sp(server):
    sps = list(server.metadata.with_descriptor('spsso').keys())
    if len(sps) != 1:
        raise SystemExit('expected exactly one SP in the SP metadata, found %r' % sps)
    return sps[0]


def respond(args, req):
    server, _ = make_server(args.key, args.cert, args.sp_metadata)
    sp_entity_id = only_sp(server)
    out = {'relayState': req.get('relayState'), 'requestSignatureVerified': False}

    if req.get('unsolicited'):
        in_response_to = None
        destination = server.metadata.assertion_consumer_service(sp_entity_id, binding=BINDING_HTTP_POST)[0]['location']
        name_id_policy = None
    else:
        raw = {k: unquote(req[k]) for k in ('samlRequest', 'relayState', 'sigAlg', 'signature') if req.get(k) is not None}
        if 'signature' in raw:
            # Gatehouse signs the exact query string it sends (bindings §3.4.4.1); pysaml2 rebuilds
            # it with urlencode and checks it against the SP's signing certificate from metadata.
            certs = server.metadata.certs(sp_entity_id, 'spsso', 'signing')
            message = {'SAMLRequest': raw['samlRequest'], 'SigAlg': raw['sigAlg'], 'Signature': raw['signature']}
            if 'relayState' in raw:
                message['RelayState'] = raw['relayState']
            if not any(verify_redirect_signature(message, server.sec.sec_backend, cert=c) for c in certs):
                raise SystemExit('the HTTP-Redirect signature of the AuthnRequest does not verify')
            out['requestSignatureVerified'] = True
        parsed = server.parse_authn_request(raw['samlRequest'], BINDING_HTTP_REDIRECT)
        if parsed is None:
            raise SystemExit('pysaml2 could not parse the AuthnRequest')
        request = parsed.message
        if request.issuer.text != sp_entity_id:
            raise SystemExit('AuthnRequest issuer %r is not the SP in metadata %r' % (request.issuer.text, sp_entity_id))
        resp_args = server.response_args(request, [BINDING_HTTP_POST])
        in_response_to = resp_args['in_response_to']
        destination = resp_args['destination']
        name_id_policy = resp_args['name_id_policy']

    name_id = saml.NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=req['nameId'])
    identity = {k: v if isinstance(v, list) else [v] for k, v in (req.get('attributes') or {}).items()}
    kwargs = {}
    if req.get('encryptAssertion'):
        certs = server.metadata.certs(sp_entity_id, 'spsso', 'encryption')
        if not certs:
            raise SystemExit('the SP metadata has no encryption certificate')
        kwargs['encrypt_assertion'] = True
        kwargs['encrypt_cert_assertion'] = certs[0]
    response = server.create_authn_response(
        identity,
        in_response_to,
        destination,
        sp_entity_id,
        name_id_policy=name_id_policy,
        name_id=name_id,
        userid=req['nameId'],
        authn={'class_ref': PASSWORD_CLASS, 'authn_auth': IDP_ENTITY_ID},
        sign_response=bool(req.get('signResponse')),
        sign_assertion=bool(req.get('signAssertion')),
        # pysaml2 signs with RSA-SHA1 unless told otherwise.
        sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
        **kwargs,
    )
    xml = str(response)
    out.update({
        'samlResponse': base64.b64encode(xml.encode('utf-8')).decode('ascii'),
        'destination': destination,
        'inResponseTo': in_response_to,
    })
    return out


def metadata(args):
    _, conf = make_server(args.key, args.cert)
    return str(entity_descriptor(conf))


def serve(args):
    """One JSON request per stdin line ({"command": "metadata"|"respond", ...}), one JSON answer per
    stdout line ({"ok": result} or {"error": text}): importing saml2 takes seconds, a request does not."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            command = req.pop('command')
            if command == 'metadata':
                answer = {'ok': metadata(args)}
            elif command == 'respond':
                if not args.sp_metadata:
                    raise SystemExit('respond needs --sp-metadata')
                answer = {'ok': respond(args, req)}
            else:
                raise SystemExit('unknown command %r' % command)
        except BaseException as error:  # SystemExit included: report it, keep serving
            if isinstance(error, KeyboardInterrupt):
                raise
            answer = {'error': ''.join(traceback.format_exception(error))[-4000:]}
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--key', required=True)
    parser.add_argument('--cert', required=True)
    parser.add_argument('--sp-metadata')
    parser.add_argument('command', choices=['metadata', 'respond', 'serve'])
    args = parser.parse_args()
    if args.command == 'respond' and not args.sp_metadata:
        parser.error('respond needs --sp-metadata')
    if args.command == 'metadata':
        sys.stdout.write(metadata(args))
    elif args.command == 'respond':
        json.dump(respond(args, json.load(sys.stdin)), sys.stdout)
    else:
        serve(args)


if __name__ == '__main__':
    main()
