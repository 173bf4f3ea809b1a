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
IDP_SLO_URL = 'https://idp.interop.test/slo'
PASSWORD_CLASS = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'


def make_server(key_file, cert_file, sp_metadata=None, slo_bindings=(BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)):
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
                    'single_logout_service': [(IDP_SLO_URL, b) for b in slo_bindings],
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


def metadata(args, req=None):
    bindings = {'redirect': BINDING_HTTP_REDIRECT, 'post': BINDING_HTTP_POST}
    slo = [bindings[b] for b in (req or {}).get('sloBindings', ['redirect', 'post'])]
    _, conf = make_server(args.key, args.cert, slo_bindings=slo)
    return str(entity_descriptor(conf))


# --- Single logout (DESIGN §10), strict: pysaml2 checks a Redirect signature only when asked
# (verify_redirect_signature) and accepts unsigned POST messages by default, so every message from
# Gatehouse is checked here explicitly, and refused unless its signature verifies with the SP's
# signing certificate from its metadata.

BINDINGS = {'redirect': BINDING_HTTP_REDIRECT, 'post': BINDING_HTTP_POST}


def check_sp_signature(server, sp_entity_id, req, kind):
    if req['binding'] == 'redirect':
        raw = {k: unquote(req[k]) for k in ('message', 'relayState', 'sigAlg', 'signature') if req.get(k) is not None}
        if 'signature' not in raw or 'sigAlg' not in raw:
            raise SystemExit('the HTTP-Redirect %s carries no query-string signature' % kind)
        message = {kind: raw['message'], 'SigAlg': raw['sigAlg'], 'Signature': raw['signature']}
        if 'relayState' in raw:
            message['RelayState'] = raw['relayState']
        certs = server.metadata.certs(sp_entity_id, 'spsso', 'signing')
        if not any(verify_redirect_signature(message, server.sec.sec_backend, cert=c) for c in certs):
            raise SystemExit('the HTTP-Redirect signature of the %s does not verify' % kind)
        return raw['message']
    xml = base64.b64decode(req['message']).decode('utf-8')
    check = server.sec.correctly_signed_logout_request if kind == 'SAMLRequest' else server.sec.correctly_signed_logout_response
    if not check(xml, must=True):
        raise SystemExit('the HTTP-POST %s is not correctly signed' % kind)
    return req['message']


def sent(server, binding, xml, destination, relay_state, response):
    """The message as the browser carries it: a Redirect URL query-signed by pysaml2, or the POST fields."""
    if binding == 'redirect':
        info = server.apply_binding(BINDING_HTTP_REDIRECT, xml, destination, relay_state, response=response, sign=True, sigalg=SIG_RSA_SHA256)
        return {'binding': 'redirect', 'url': dict(info['headers'])['Location']}
    return {'binding': 'post', 'url': destination, 'message': base64.b64encode(xml.encode('utf-8')).decode('ascii'), 'relayState': relay_state}


def slo_request(args, req):
    """IdP-initiated: a signed LogoutRequest for nameId (and sessionIndex) to the SP's SLO endpoint."""
    server, _ = make_server(args.key, args.cert, args.sp_metadata)
    sp_entity_id = only_sp(server)
    binding = req['binding']
    destination = server.metadata.single_logout_service(sp_entity_id, BINDINGS[binding], 'spsso')[0]['location']
    name_id = saml.NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=req['nameId'])
    request_id, request = server.create_logout_request(
        destination, sp_entity_id, name_id=name_id, session_indexes=req.get('sessionIndexes'),
        sign=binding == 'post', sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256,
    )
    out = sent(server, binding, str(request), destination, req.get('relayState'), False)
    out['requestId'] = request_id
    return out


def slo_answer(args, req):
    """SP-initiated: verify Gatehouse's LogoutRequest strictly, parse it, answer a signed Success."""
    server, _ = make_server(args.key, args.cert, args.sp_metadata)
    sp_entity_id = only_sp(server)
    encoded = check_sp_signature(server, sp_entity_id, req, 'SAMLRequest')
    parsed = server.parse_logout_request(encoded, BINDINGS[req['binding']])
    if parsed is None:
        raise SystemExit('pysaml2 could not parse the LogoutRequest')
    request = parsed.message
    if request.issuer.text != sp_entity_id:
        raise SystemExit('LogoutRequest issuer %r is not the SP %r' % (request.issuer.text, sp_entity_id))
    response = server.create_logout_response(request, [BINDINGS[req['binding']]], sign=req['binding'] == 'post', sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    destination = server.metadata.single_logout_service(sp_entity_id, BINDINGS[req['binding']], 'spsso')[0]['location']
    out = sent(server, req['binding'], str(response), destination, None, True)
    out.update({'nameId': request.name_id.text, 'nameIdFormat': request.name_id.format,
                'sessionIndexes': [s.text for s in request.session_index], 'requestSignatureVerified': True})
    return out


def slo_check(args, req):
    """IdP-initiated, the end: verify Gatehouse's LogoutResponse strictly and report its status."""
    server, _ = make_server(args.key, args.cert, args.sp_metadata)
    sp_entity_id = only_sp(server)
    encoded = check_sp_signature(server, sp_entity_id, req, 'SAMLResponse')
    parsed = server.parse_logout_request_response(encoded, BINDINGS[req['binding']])
    if parsed is None:
        raise SystemExit('pysaml2 could not parse the LogoutResponse')
    response = parsed.response
    return {'status': response.status.status_code.value, 'inResponseTo': response.in_response_to, 'issuer': response.issuer.text, 'signatureVerified': True}


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
                answer = {'ok': metadata(args, req)}
            elif command in ('slo_request', 'slo_answer', 'slo_check'):
                answer = {'ok': {'slo_request': slo_request, 'slo_answer': slo_answer, 'slo_check': slo_check}[command](args, req)}
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
