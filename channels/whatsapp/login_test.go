package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// fakePairer plays whatsmeow's side of pairing: the QR channel's items, and
// the events that come with them.
type fakePairer struct {
	items     []whatsmeow.QRChannelItem
	onSuccess []any // events emitted just before the success item
	handler   whatsmeow.EventHandler
	pairCalls []string
	connected bool
	closed    bool
}

func (p *fakePairer) AddEventHandler(h whatsmeow.EventHandler) uint32 { p.handler = h; return 1 }

func (p *fakePairer) GetQRChannel(context.Context) (<-chan whatsmeow.QRChannelItem, error) {
	ch := make(chan whatsmeow.QRChannelItem, len(p.items))
	go func() {
		for _, it := range p.items {
			if it.Event == whatsmeow.QRChannelSuccess.Event {
				for _, e := range p.onSuccess {
					p.handler(e)
				}
			}
			ch <- it
		}
		close(ch)
	}()
	return ch, nil
}

func (p *fakePairer) Connect() error { p.connected = true; return nil }
func (p *fakePairer) Disconnect()    { p.closed = true }

func (p *fakePairer) PairPhone(_ context.Context, phone string, _ bool, _ whatsmeow.PairClientType, name string) (string, error) {
	p.pairCalls = append(p.pairCalls, phone+"|"+name)
	return "ABCD-EFGH", nil
}

var paired = []any{
	&events.PairSuccess{ID: types.NewADJID("5511900000000", 0, 12), BusinessName: "Quita Cobranças", Platform: "smba"},
	&events.Connected{},
}

func code(c string) whatsmeow.QRChannelItem {
	return whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: c, Timeout: 60 * time.Second}
}

func TestLoginByQRCode(t *testing.T) {
	p := &fakePairer{items: []whatsmeow.QRChannelItem{code("2@qr-one"), code("2@qr-two"), whatsmeow.QRChannelSuccess}, onSuccess: paired}
	var out strings.Builder
	var drawn []string
	jid, err := Login(context.Background(), p, LoginOptions{Out: &out, QR: func(w io.Writer, c string) {
		drawn = append(drawn, c)
		fmt.Fprintln(w, "[QR "+c+"]")
	}})
	if err != nil {
		t.Fatal(err)
	}
	if jid != types.NewJID("5511900000000", types.DefaultUserServer) {
		t.Fatalf("paired JID %s", jid)
	}
	if strings.Join(drawn, ",") != "2@qr-one,2@qr-two" {
		t.Fatalf("drew %v", drawn)
	}
	for _, want := range []string{"Connecting to WhatsApp", "Linked devices › Link a device", "[QR 2@qr-one]",
		"Paired: quita is now a linked device of +5511900000000 (Quita Cobranças)", "Connected."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if len(p.pairCalls) != 0 || !p.closed {
		t.Fatalf("pair calls %v, disconnected %v", p.pairCalls, p.closed)
	}
}

func TestLoginByPhoneCode(t *testing.T) {
	p := &fakePairer{items: []whatsmeow.QRChannelItem{code("2@a"), code("2@b"), whatsmeow.QRChannelSuccess}, onSuccess: paired}
	var out strings.Builder
	_, err := Login(context.Background(), p, LoginOptions{Phone: "(11) 90000-0000", Out: &out,
		QR: func(io.Writer, string) { t.Error("drew a QR code in phone mode") }})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.pairCalls) != 1 || p.pairCalls[0] != "+5511900000000|Chrome (Linux)" {
		t.Fatalf("PairPhone calls %v, want one for +5511900000000", p.pairCalls)
	}
	if !strings.Contains(out.String(), "ABCD-EFGH") || !strings.Contains(out.String(), "Link with phone number") {
		t.Fatalf("output lacks the code and where to type it:\n%s", out.String())
	}
}

func TestLoginFailures(t *testing.T) {
	for _, tt := range []struct {
		item whatsmeow.QRChannelItem
		want string
	}{
		{whatsmeow.QRChannelTimeout, "no phone linked in time"},
		{whatsmeow.QRChannelClientOutdated, "upgrade quita"},
		{whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventError, Error: errors.New("bad signature")}, "bad signature"},
		{whatsmeow.QRChannelErrUnexpectedEvent, "err-unexpected-state"},
	} {
		p := &fakePairer{items: []whatsmeow.QRChannelItem{code("2@x"), tt.item}}
		_, err := Login(context.Background(), p, LoginOptions{QR: func(io.Writer, string) {}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.item.Event, err, tt.want)
		}
	}
	if _, err := Login(context.Background(), &fakePairer{}, LoginOptions{Phone: "12"}); err == nil || !strings.Contains(err.Error(), "--phone") {
		t.Fatalf("bad phone: %v", err)
	}
}
