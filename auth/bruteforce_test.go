package auth

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// TestBruteForce: failed logins for one user are slowed, then refused with
// 429 and Retry-After, while another user from the same address logs in.
func TestBruteForce(t *testing.T) {
	f := newFixture(t, Config{})
	var locked *http.Response
	for i := 0; i < 20 && locked == nil; i++ {
		resp, _ := f.tokenGET(t, "alice", "guess-"+strconv.Itoa(i), url.Values{})
		switch resp.StatusCode {
		case http.StatusTooManyRequests:
			locked = resp
		case http.StatusUnauthorized:
		default:
			t.Fatalf("attempt %d: status %d", i, resp.StatusCode)
		}
	}
	if locked == nil {
		t.Fatal("20 wrong passwords in a row were never refused")
	}
	if s, err := strconv.Atoi(locked.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q", locked.Header.Get("Retry-After"))
	}
	// Bob is unaffected, on the token server and on /v2/.
	if resp, _ := f.tokenGET(t, "bob", bobPW, url.Values{}); resp.StatusCode != http.StatusOK {
		t.Fatalf("bob after alice's lockout: status %d", resp.StatusCode)
	}
	if _, err := f.s.Authorize(basic("bob", bobPW), nil); err != nil {
		t.Fatalf("bob on /v2/: %v", err)
	}
	// While locked, alice is refused before her password is looked at, on
	// every route.
	if resp, _ := f.tokenGET(t, "alice", alicePW, url.Values{}); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("alice while locked: status %d", resp.StatusCode)
	}
	_, err := f.s.Authorize(basic("alice", alicePW), nil)
	var retry *RetryError
	if !errors.Is(err, ErrTooMany) || !errors.As(err, &retry) || retry.RetryAfter() <= 0 {
		t.Fatalf("Basic on /v2/ while locked: %v", err)
	}
	form := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePW}}
	if resp, _ := f.tokenPOST(t, form); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("POST while locked: status %d", resp.StatusCode)
	}
}

// TestLimiterSchedule: the waits grow past half the limit and reach the
// lockout at the limit; a success clears the user but not the address.
func TestLimiterSchedule(t *testing.T) {
	l := newLimiter(BruteForce{UserFailures: 6, AddressFailures: 100, Lockout: Duration(time.Hour)})
	now := time.Now()
	var waits []time.Duration
	for range 6 {
		l.failed("u", "addr", now)
		waits = append(waits, l.wait("u", "other-addr", now))
	}
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, time.Hour}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	if d := l.wait("someone-else", "other-addr", now); d != 0 {
		t.Fatalf("another user waits %v", d)
	}
	l.succeeded("u")
	if d := l.wait("u", "other-addr", now); d != 0 {
		t.Fatalf("after success: %v", d)
	}
	a := newLimiter(BruteForce{UserFailures: 100, AddressFailures: 4, Lockout: Duration(time.Hour)})
	for i := range 4 {
		a.failed("user"+strconv.Itoa(i), "1.2.3.4", now)
	}
	if d := a.wait("fresh", "1.2.3.4", now); d != time.Hour {
		t.Fatalf("address spraying names: wait %v, want the lockout", d)
	}
	off := newLimiter(BruteForce{Disabled: true, UserFailures: 1, AddressFailures: 1, Lockout: Duration(time.Hour)})
	off.failed("u", "a", now)
	if d := off.wait("u", "a", now); d != 0 {
		t.Fatalf("disabled limiter waits %v", d)
	}
}
