package auth

// Everything auth keeps lives in the storage Driver under _auth/, so that
// every replica on one bucket sees the same users, keys and tokens. Each
// fact is its own key: no read-modify-write documents, no locks.
//
//	_auth/users/<name>     {"name","hash","created","updated"}  bcrypt hash
//	_auth/tokens/<id>      {"id","user","kind","hash","scopes","created","expires",...}
//	                       an access token (kind "access") or a refresh token
//	                       (kind "refresh"); only the SHA-256 of its secret.
//	                       Deleting the key revokes the token everywhere.
//	_auth/keys/<kid>       {"kid","alg","created","key"}  a signing key (PKCS#8
//	                       PEM); every key here verifies tokens
//	_auth/signing          the kid new tokens are signed with
const (
	usersPrefix  = "_auth/users/"
	tokensPrefix = "_auth/tokens/"
	keysPrefix   = "_auth/keys/"
	signingKey   = "_auth/signing"
)
