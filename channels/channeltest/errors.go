package channeltest

import (
	"errors"
	"strings"
	"testing"

	"github.com/quita-bot/quita/channels"
)

// CheckFailure checks a send error: a *channels.PermanentError with
// wantCode, or a retryable error when wantCode is "".
func CheckFailure(t testing.TB, err error, wantCode string) {
	t.Helper()
	if err == nil {
		t.Fatal("Send succeeded against a failing API")
	}
	var perm *channels.PermanentError
	isPerm := errors.As(err, &perm)
	switch {
	case wantCode == "" && isPerm:
		t.Errorf("got permanent %v, want a retryable error", err)
	case wantCode != "" && !isPerm:
		t.Errorf("got retryable %v, want PermanentError %s", err, wantCode)
	case isPerm && perm.Code != wantCode:
		t.Errorf("PermanentError code %q, want %q", perm.Code, wantCode)
	}
}

// CheckConfigError checks a constructor's answer to a config: no error when
// want is nil, else an error that mentions every string of want.
func CheckConfigError(t testing.TB, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatal("New accepted a bad config")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}
