// Package export_demo_edge_tokens implements `demo:edge/tokens`, the Go stage of the
// edge-api sample: it checks HMAC-signed bearer tokens with the standard library only.
//
// A token is `<subject>.<expires-at>.<signature>` where signature is the hex
// HMAC-SHA256 of `<subject>.<expires-at>` under Secret. Weld generates the bindings
// (package wit_component/demo_edge_tokens and wit_exports.go) when it builds.
package export_demo_edge_tokens

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	witTypes "go.bytecodealliance.org/pkg/wit/types"

	"wit_component/demo_edge_tokens"
)

// Secret signs every token. It is a constant so that tests can mint tokens; a real
// deployment would read it from configuration.
const Secret = "weld-demo-secret"

type (
	claims    = demo_edge_tokens.Claims
	authError = demo_edge_tokens.AuthError
)

// Verify checks token as of now (Unix seconds).
func Verify(token string, now uint64) witTypes.Result[claims, authError] {
	c, err := verify(token, now)
	if err != nil {
		return witTypes.Err[claims](*err)
	}
	return witTypes.Ok[claims, authError](c)
}

func verify(token string, now uint64) (claims, *authError) {
	fail := func(e authError) (claims, *authError) { return claims{}, &e }

	if token == "" {
		return fail(demo_edge_tokens.AuthError_Missing)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || !validSubject(parts[0]) || !allDigits(parts[1]) {
		return fail(demo_edge_tokens.AuthError_Malformed)
	}
	subject, expiry, signature := parts[0], parts[1], parts[2]
	expiresAt, err := strconv.ParseUint(expiry, 10, 64)
	if err != nil {
		return fail(demo_edge_tokens.AuthError_Malformed)
	}
	given, err := hex.DecodeString(signature)
	if err != nil || len(given) != sha256.Size {
		return fail(demo_edge_tokens.AuthError_Malformed)
	}
	if !hmac.Equal(given, Sign(subject+"."+expiry)) {
		return fail(demo_edge_tokens.AuthError_BadSignature)
	}
	if expiresAt <= now {
		return fail(demo_edge_tokens.AuthError_Expired)
	}
	return claims{Subject: subject, ExpiresAt: expiresAt, ExpiresIn: expiresAt - now}, nil
}

// Sign returns the HMAC-SHA256 of payload under Secret.
func Sign(payload string) []byte {
	mac := hmac.New(sha256.New, []byte(Secret))
	mac.Write([]byte(payload))
	return mac.Sum(nil)
}

// validSubject accepts 1-64 characters of [A-Za-z0-9_-].
func validSubject(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
