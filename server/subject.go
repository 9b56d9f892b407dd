package server

import (
	"net/http"

	"github.com/pier-registry/pier/auth"
)

// RecordSubject wraps a so that the access log names the user of every
// request a authorizes. Pass the result to handlers.Options.Auth.
func RecordSubject(a auth.Authorizer) auth.Authorizer { return subjectRecorder{a} }

type subjectRecorder struct{ auth.Authorizer }

func (s subjectRecorder) Authorize(r *http.Request, want []auth.Access) (auth.Subject, error) {
	sub, err := s.Authorizer.Authorize(r, want)
	if err == nil && !sub.Anonymous() {
		if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
			info.user.Store(&sub.Name)
		}
	}
	return sub, err
}
