// Package export_demo_edge_tokens implements `demo:edge/tokens`, the Go stage of the
// edge-api sample: it checks HMAC-signed bearer tokens with the standard library only.
//
// A token is `<subject>.<expires-at>.<signature>` where signature is the hex
// HMAC-SHA256 of `<subject>.<expires-at>` under the secret. The secret is configuration:
// the stage asks `wasi:config/store` for the key `secret` (in a composed artifact, Weld's
// guard asks the host for `tokens.secret`), so it is supplied when the artifact runs,
// not built into it. Weld generates the bindings when it builds: wit_exports.go and one
// package per interface (wit_component/demo_edge_tokens, wit_component/wasi_config_store).
package export_demo_edge_tokens

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	witTypes "go.bytecodealliance.org/pkg/wit/types"

	"wit_component/demo_edge_tokens"
	"wit_component/wasi_config_store"
)

// SecretKey is the configuration key holding the HMAC secret.
const SecretKey = "secret"

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
	key, ok := secret()
	if !ok {
		// No signature can match without a secret: every token is refused.
		return fail(demo_edge_tokens.AuthError_BadSignature)
	}
	if !hmac.Equal(given, Sign(key, subject+"."+expiry)) {
		return fail(demo_edge_tokens.AuthError_BadSignature)
	}
	if expiresAt <= now {
		return fail(demo_edge_tokens.AuthError_Expired)
	}
	return claims{Subject: subject, ExpiresAt: expiresAt, ExpiresIn: expiresAt - now}, nil
}

// Sign returns the HMAC-SHA256 of payload under key.
func Sign(key []byte, payload string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(payload))
	return mac.Sum(nil)
}

// The secret, read once per instance: a fresh instance serves each request, so a
// changed configuration is seen by the next one.
var (
	secretRead  bool
	secretValue []byte
	secretOK    bool
)

// secret returns the configured HMAC secret, or false when it is missing, empty or
// cannot be read. The first call of an instance writes the reason to stderr, where the
// host logs it with the request.
func secret() ([]byte, bool) {
	if !secretRead {
		secretRead = true
		value, problem := readSecret()
		if problem != "" {
			fmt.Fprintf(os.Stderr, "tokens: refusing every token: %s\n", problem)
		} else {
			secretValue, secretOK = value, true
		}
	}
	return secretValue, secretOK
}

func readSecret() ([]byte, string) {
	result := wasi_config_store.Get(SecretKey)
	if result.IsErr() {
		e := result.Err()
		kind, message := "io", ""
		switch e.Tag() {
		case wasi_config_store.Error_Upstream:
			kind, message = "upstream", e.Upstream()
		case wasi_config_store.Error_Io:
			message = e.Io()
		}
		return nil, fmt.Sprintf("cannot read configuration `%s` (%s error: %s)", SecretKey, kind, message)
	}
	value := result.Ok()
	if value.IsNone() {
		return nil, fmt.Sprintf("configuration `%s` is not set", SecretKey)
	}
	if value.Some() == "" {
		return nil, fmt.Sprintf("configuration `%s` is empty", SecretKey)
	}
	// The conversion copies: the string lies in memory the host filled through
	// cabi_realloc, pinned only until the next export call.
	return []byte(value.Some()), ""
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
