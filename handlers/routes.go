package handlers

import (
	"net/http"

	"github.com/gorilla/mux"
)

func routes(a *api, token http.Handler) http.Handler {
	r := mux.NewRouter()
	if token != nil {
		r.Handle("/token", token)
	}
	return r
}
