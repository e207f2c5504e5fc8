package whatsapp

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types/events"

	"github.com/quita-bot/quita/channels"
)

func connects(h *harness) int {
	return snapshot(h.client, func(f *fakeClient) int { return f.connects })
}

func TestConnectsAtStart(t *testing.T) {
	h := start(t, Config{}, newFakeClient())
	if connects(h) != 1 || h.c.State() != StateConnecting {
		t.Fatalf("connects %d, state %s; want 1, connecting", connects(h), h.c.State())
	}
	h.client.emit(&events.Connected{})
	if h.c.State() != StateConnected {
		t.Fatalf("state %s, want connected", h.c.State())
	}
}

func TestReconnectAfterDisconnected(t *testing.T) {
	h := connected(t, Config{})
	h.client.Disconnect() // the server closed the socket
	h.step(t, func() { h.client.emit(&events.Disconnected{}) })
	if h.c.State() != StateConnecting {
		t.Fatalf("state %s, want connecting", h.c.State())
	}
	if connects(h) != 1 {
		t.Fatal("dialled at once; whatsmeow's own reconnect goes first")
	}
	h.step(t, func() { h.clock.Advance(DefaultReconnectGrace) })
	if connects(h) != 2 {
		t.Fatalf("connects %d after the grace, want 2", connects(h))
	}
	h.client.emit(&events.Connected{})
	if h.c.State() != StateConnected {
		t.Fatalf("state %s", h.c.State())
	}
}

func TestReconnectBacksOffOnErrors(t *testing.T) {
	client := newFakeClient()
	client.connectErr = errors.New("dial tcp: i/o timeout")
	h := start(t, Config{}, client)
	dialledAt := []time.Duration{0}
	for connects(h) < 4 {
		n := connects(h)
		d := h.clock.pending()[0]
		h.step(t, func() { h.clock.Advance(d) })
		if connects(h) > n {
			dialledAt = append(dialledAt, h.clock.Now().Sub(t0))
		}
	}
	want := []time.Duration{0, 30 * time.Second, 90 * time.Second, 210 * time.Second} // gaps 30 s, 60 s, 120 s
	for i := range want {
		if dialledAt[i] != want[i] {
			t.Fatalf("dialled at %v, want %v", dialledAt, want)
		}
	}
}

func TestStreamReplacedTakesTheSessionBackWhileHoldingTheLease(t *testing.T) {
	lease := &fakeLease{free: true, keep: true}
	h := start(t, Config{}, newFakeClient(), WithLease(lease))
	h.client.emit(&events.Connected{})
	renewals := lease.get().renewals
	h.client.Disconnect()
	h.step(t, func() { h.client.emit(&events.StreamReplaced{}) })
	if h.c.State() != StateConnecting {
		t.Fatalf("state %s", h.c.State())
	}
	if lease.get().renewals != renewals+1 {
		t.Fatal("stream replaced: the lease was not checked at once")
	}
	if connects(h) != 1 {
		t.Fatal("redialled at once after stream replaced; that fights the other connection")
	}
	for connects(h) < 2 {
		d := h.clock.pending()[0]
		if h.clock.Now().Sub(t0) > 2*time.Minute {
			t.Fatal("no redial within 2 minutes of stream replaced")
		}
		h.step(t, func() { h.clock.Advance(d) })
	}
}

func TestLoggedOutAlertsAndStaysDown(t *testing.T) {
	h := connected(t, Config{})
	h.client.Disconnect()
	h.step(t, func() {
		h.client.emit(&events.LoggedOut{OnConnect: false, Reason: events.ConnectFailureLoggedOut})
		h.c.poke()
	})
	if h.c.State() != StateLoggedOut {
		t.Fatalf("state %s, want logged_out", h.c.State())
	}
	if !sawState(h, StateLoggedOut) {
		t.Fatal("alert hook not called with logged_out")
	}
	for range 5 {
		h.step(t, func() { h.clock.Advance(time.Hour) })
	}
	if connects(h) != 1 {
		t.Fatalf("connects %d after logged out, want no redial", connects(h))
	}
	_, err := h.c.Send(context.Background(), channels.Outbound{To: debtor, Text: "x"})
	if permanentCode(err) != CodeLoggedOut {
		t.Fatalf("send while logged out: %v", err)
	}
}

func TestTemporaryBan(t *testing.T) {
	h := connected(t, Config{})
	h.client.Disconnect()
	h.step(t, func() {
		h.client.emit(&events.TemporaryBan{Code: events.TempBanSentToTooManyPeople, Expire: 2 * time.Hour})
	})
	if h.c.State() != StateBanned || !sawState(h, StateBanned) {
		t.Fatalf("state %s, want banned with an alert", h.c.State())
	}
	if _, err := h.c.Send(context.Background(), channels.Outbound{To: debtor, Text: "x"}); permanentCode(err) != CodeBanned {
		t.Fatalf("send while banned: %v", err)
	}
	h.step(t, func() { h.clock.Advance(2*time.Hour - time.Second) })
	if connects(h) != 1 {
		t.Fatal("redialled before the ban expired")
	}
	h.step(t, func() { h.clock.Advance(time.Second) })
	if connects(h) != 2 || h.c.State() != StateConnecting {
		t.Fatalf("after the ban: connects %d, state %s", connects(h), h.c.State())
	}
}

func TestLoggedOutGivesTheNumberAway(t *testing.T) {
	lease := &fakeLease{free: true, keep: true}
	h := start(t, Config{}, newFakeClient(), WithLease(lease))
	h.client.emit(&events.Connected{})
	h.client.mu.Lock()
	h.client.paired, h.client.connected = false, false // whatsmeow deletes the session on logout
	h.client.mu.Unlock()
	h.step(t, func() { h.client.emit(&events.LoggedOut{OnConnect: true, Reason: events.ConnectFailureLoggedOut}) })
	if got := lease.get(); got.releases != 1 || h.c.State() != StateLoggedOut {
		t.Fatalf("releases %d, state %s; want the lease released and logged_out", got.releases, h.c.State())
	}
	h.step(t, func() { h.clock.Advance(time.Hour) })
	if got := lease.get(); got.acquires != 1 || connects(h) != 1 {
		t.Fatalf("acquires %d, connects %d: an unpaired session must not take the number", got.acquires, connects(h))
	}
}

func TestConnectFailureIsABan(t *testing.T) {
	h := connected(t, Config{})
	h.client.Disconnect()
	h.step(t, func() {
		h.client.emit(&events.ConnectFailure{Reason: events.ConnectFailureReason(418), Message: "unknown"})
	})
	if h.c.State() != StateBanned {
		t.Fatalf("state %s, want banned", h.c.State())
	}
}

func TestNotPaired(t *testing.T) {
	client := newFakeClient()
	client.paired = false
	h := start(t, Config{}, client)
	if h.c.State() != StateNotPaired || connects(h) != 0 {
		t.Fatalf("state %s, connects %d; want not_paired and no dial", h.c.State(), connects(h))
	}
}

func TestKeepAliveTimeoutsRedial(t *testing.T) {
	h := connected(t, Config{})
	h.client.emit(&events.KeepAliveTimeout{ErrorCount: 1})
	h.step(t, func() { h.client.emit(&events.KeepAliveTimeout{ErrorCount: 3}) })
	if d := snapshot(h.client, func(f *fakeClient) int { return f.disconnects }); d != 1 || connects(h) != 2 {
		t.Fatalf("disconnects %d, connects %d; want a redial", d, connects(h))
	}
}

func TestLease(t *testing.T) {
	lease := &fakeLease{free: false, keep: true}
	h := start(t, Config{}, newFakeClient(), WithLease(lease))
	if h.c.State() != StateStandby || connects(h) != 0 {
		t.Fatalf("state %s, connects %d; want standby without dialling", h.c.State(), connects(h))
	}
	if _, err := h.c.Send(context.Background(), channels.Outbound{To: debtor, Text: "x"}); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("send in standby: %v", err)
	}

	lease.set(func(l *fakeLease) { l.free = true }) // the other process died
	h.step(t, func() { h.clock.Advance(10 * time.Second) })
	if connects(h) != 1 || h.c.State() != StateConnecting {
		t.Fatalf("after taking the lease: connects %d, state %s", connects(h), h.c.State())
	}
	h.client.emit(&events.Connected{})

	h.step(t, func() { h.clock.Advance(10 * time.Second) })
	if lease.get().renewals != 1 || !h.client.IsConnected() {
		t.Fatalf("renewals %d, connected %v; want a renewal every TTL/3", lease.get().renewals, h.client.IsConnected())
	}

	lease.set(func(l *fakeLease) { l.keep, l.free = false, false }) // another process has it now
	h.step(t, func() { h.clock.Advance(10 * time.Second) })
	if h.client.IsConnected() || h.c.State() != StateStandby {
		t.Fatalf("after losing the lease: connected %v, state %s", h.client.IsConnected(), h.c.State())
	}

	lease.set(func(l *fakeLease) { l.free, l.keep = true, true })
	h.step(t, func() { h.clock.Advance(10 * time.Second) })
	h.cancel()
	h.c.Wait()
	if got := lease.get(); got.releases != 1 || h.client.IsConnected() {
		t.Fatalf("after stop: releases %d, connected %v; want the lease released and the socket closed", got.releases, h.client.IsConnected())
	}
}

func TestLeaseRenewErrorsKeepTheNumberUntilItMayExpire(t *testing.T) {
	lease := &fakeLease{free: true, keep: true}
	h := start(t, Config{}, newFakeClient(), WithLease(lease))
	h.client.emit(&events.Connected{})
	lease.set(func(l *fakeLease) { l.keep, l.renewErr = false, errors.New("redis: connection refused") })
	h.step(t, func() { h.clock.Advance(10 * time.Second) }) // 10 s since renewal: keep
	if !h.client.IsConnected() {
		t.Fatal("one failed renewal dropped the number")
	}
	for h.client.IsConnected() {
		if h.clock.Now().Sub(t0) > 20*time.Second {
			t.Fatal("still connected 20 s after the last renewal of a 30 s lease")
		}
		d := h.clock.pending()[0]
		h.step(t, func() { h.clock.Advance(d) })
	}
	if h.c.State() != StateStandby {
		t.Fatalf("state %s, want standby", h.c.State())
	}
}

func TestConnectedWithoutTheLeaseDisconnects(t *testing.T) {
	lease := &fakeLease{free: false}
	h := start(t, Config{}, newFakeClient(), WithLease(lease))
	h.client.mu.Lock()
	h.client.connected = true // whatsmeow's own reconnect got through after we lost the lease
	h.client.mu.Unlock()
	h.client.emit(&events.Connected{})
	if h.client.IsConnected() || h.c.State() != StateStandby {
		t.Fatalf("connected %v, state %s; want disconnected standby", h.client.IsConnected(), h.c.State())
	}
}
