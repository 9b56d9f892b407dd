package auth

import (
	"sync"
	"time"
)

// maxLimiterEntries bounds the memory that failed logins with made-up
// names can take; past it, entries that lock nothing are dropped.
const maxLimiterEntries = 100_000

// limiter counts failed logins per user name and per client address, in
// this process. Past half its limit a key must wait 1s, 2s, 4s, ... after
// each failure; at the limit it waits the whole lockout. A success clears
// the user's count but not the address's, so that an attacker cannot reset
// its address by logging in to an account of its own.
type limiter struct {
	cfg BruteForce

	mu      sync.Mutex
	entries map[string]*failures
}

type failures struct {
	count int
	last  time.Time // of the latest failure
	until time.Time // refused before this
}

func newLimiter(cfg BruteForce) *limiter {
	return &limiter{cfg: cfg, entries: map[string]*failures{}}
}

// wait returns how long user and addr must still wait; 0 lets them try.
func (l *limiter) wait(user, addr string, now time.Time) time.Duration {
	if l.cfg.Disabled {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var d time.Duration
	for _, k := range []string{"u:" + user, "a:" + addr} {
		if f := l.entries[k]; f != nil && f.until.After(now) {
			d = max(d, f.until.Sub(now))
		}
	}
	return d
}

// failed records a failed login of user ("" when the attempt named none,
// as with a refresh token) from addr.
func (l *limiter) failed(user, addr string, now time.Time) {
	if l.cfg.Disabled {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) >= maxLimiterEntries {
		l.prune(now)
	}
	if user != "" {
		l.add("u:"+user, l.cfg.UserFailures, now)
	}
	l.add("a:"+addr, l.cfg.AddressFailures, now)
}

// succeeded clears the failures of user.
func (l *limiter) succeeded(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, "u:"+user)
}

func (l *limiter) add(key string, limit int, now time.Time) {
	lockout := time.Duration(l.cfg.Lockout)
	f := l.entries[key]
	if f == nil || now.Sub(f.last) > lockout {
		// Failures are forgotten after a lockout's time without any.
		f = &failures{}
		l.entries[key] = f
	}
	f.count++
	f.last = now
	switch half := limit / 2; {
	case f.count >= limit:
		f.until = now.Add(lockout)
	case f.count > half:
		f.until = now.Add(min(time.Second<<min(f.count-half-1, 20), lockout))
	}
}

// prune drops entries that no longer lock anything, and everything if
// that is not enough.
func (l *limiter) prune(now time.Time) {
	for k, f := range l.entries {
		if !f.until.After(now) {
			delete(l.entries, k)
		}
	}
	if len(l.entries) >= maxLimiterEntries {
		l.entries = map[string]*failures{}
	}
}
