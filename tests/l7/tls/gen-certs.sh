#!/usr/bin/env bash
# Generates throw-away test PKI into DIR (created if missing) with openssl.
# Nothing here is committed: keys exist only in the caller's temp dir.
#   ca.{crt,key}        test CA "sluice test CA"
#   wrongca.{crt,key}   an unrelated CA
#   server.{crt,key}    signed by ca: DNS backend.test, localhost, IP 127.0.0.1,
#                       URI spiffe://example.org/ns/default/sa/backend
#   nouri.{crt,key}     signed by ca: DNS nouri.test, no URI SAN
#   client.{crt,key}    client cert signed by ca (CN sluice-client)
#   wrongclient.{crt,key} client cert signed by wrongca (CN wrong-client)
# Usage: gen-certs.sh DIR
set -eu
dir=${1:?usage: gen-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

ca() { # name cn
	key "$1"
	openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 2 -sha256 \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign -out "$1.crt" 2>/dev/null
}

leaf() { # name cn ca eku san
	key "$1"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n%s\n' \
		"$4" "${5:+subjectAltName=$5}" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial \
		-days 2 -sha256 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

ca ca "sluice test CA"
ca wrongca "sluice wrong CA"
leaf server backend.test ca serverAuth \
	"DNS:backend.test,DNS:localhost,IP:127.0.0.1,URI:spiffe://example.org/ns/default/sa/backend"
leaf nouri nouri.test ca serverAuth "DNS:nouri.test"
leaf client sluice-client ca clientAuth ""
leaf wrongclient wrong-client wrongca clientAuth ""
