package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mdp/qrterminal/v3"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/quita-bot/quita/channels"
)

// Pairer is the part of *whatsmeow.Client that pairing uses.
type Pairer interface {
	GetQRChannel(ctx context.Context) (<-chan whatsmeow.QRChannelItem, error)
	Connect() error
	Disconnect()
	PairPhone(ctx context.Context, phone string, showPushNotification bool, clientType whatsmeow.PairClientType, clientDisplayName string) (string, error)
	AddEventHandler(handler whatsmeow.EventHandler) uint32
}

// LoginOptions says how to pair.
type LoginOptions struct {
	Phone string    // pair by an 8-character code typed on this phone (E.164); empty: QR code
	Out   io.Writer // progress and result
	// QR draws a QR code; nil draws it with half blocks in the terminal.
	QR func(w io.Writer, code string)
	// SyncTimeout bounds the wait for the first connection after pairing (default 60 s).
	SyncTimeout time.Duration
}

// pairDisplayName is what the phone lists under Linked devices; WhatsApp
// only accepts "Browser (OS)" with common names.
const pairDisplayName = "Chrome (Linux)"

// Login links quita to a phone as a new WhatsApp device, by QR code or by
// pairing code, printing each step. It returns the paired JID.
func Login(ctx context.Context, p Pairer, opts LoginOptions) (types.JID, error) {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	draw := opts.QR
	if draw == nil {
		draw = func(w io.Writer, code string) {
			qrterminal.GenerateWithConfig(code, qrterminal.Config{
				Level: qrterminal.L, Writer: w, HalfBlocks: true, QuietZone: 2,
				BlackChar: qrterminal.BLACK_BLACK, WhiteBlackChar: qrterminal.WHITE_BLACK,
				WhiteChar: qrterminal.WHITE_WHITE, BlackWhiteChar: qrterminal.BLACK_WHITE,
			})
		}
	}
	syncTimeout := opts.SyncTimeout
	if syncTimeout <= 0 {
		syncTimeout = time.Minute
	}
	var phone string
	if opts.Phone != "" {
		var err error
		if phone, err = channels.NormalizePhone(opts.Phone); err != nil {
			return types.EmptyJID, fmt.Errorf("--phone: %w", err)
		}
	}

	paired := make(chan *events.PairSuccess, 1)
	connected := make(chan struct{}, 1)
	p.AddEventHandler(func(evt any) {
		switch e := evt.(type) {
		case *events.PairSuccess:
			select {
			case paired <- e:
			default:
			}
		case *events.Connected:
			select {
			case connected <- struct{}{}:
			default:
			}
		}
	})
	qr, err := p.GetQRChannel(ctx)
	if err != nil {
		return types.EmptyJID, fmt.Errorf("prepare pairing: %w", err)
	}
	fmt.Fprintln(out, "Connecting to WhatsApp…")
	if err := p.Connect(); err != nil {
		return types.EmptyJID, fmt.Errorf("connect to WhatsApp: %w (check this machine's internet access)", err)
	}
	defer p.Disconnect()

	codeShown := false
	for item := range qr {
		switch item.Event {
		case whatsmeow.QRChannelEventCode:
			if phone == "" {
				fmt.Fprintf(out, "\nOn the phone of the number to link, open WhatsApp › Settings › Linked devices › Link a device, and scan this code (it changes in %s):\n\n", item.Timeout.Round(time.Second))
				draw(out, item.Code)
				continue
			}
			if codeShown {
				continue
			}
			code, err := p.PairPhone(ctx, phone, true, whatsmeow.PairClientChrome, pairDisplayName)
			if err != nil {
				return types.EmptyJID, fmt.Errorf("ask WhatsApp for a pairing code for %s: %w", channels.MaskPhone(phone), err)
			}
			codeShown = true
			fmt.Fprintf(out, "\nOn the phone %s, open WhatsApp › Settings › Linked devices › Link a device › Link with phone number instead, and type this code:\n\n    %s\n\nWaiting for the phone…\n", phone, code)
		case whatsmeow.QRChannelSuccess.Event:
			var who types.JID
			select {
			case e := <-paired:
				who = e.ID.ToNonAD()
				name := ""
				if e.BusinessName != "" {
					name = " (" + e.BusinessName + ")"
				}
				fmt.Fprintf(out, "\nPaired: quita is now a linked device of %s%s.\n", e164(who), name)
			default:
				fmt.Fprintln(out, "\nPaired.")
			}
			fmt.Fprintln(out, "Finishing the first connection…")
			select {
			case <-connected:
				fmt.Fprintln(out, "Connected. The session is saved; start the service with `quita serve`.")
			case <-time.After(syncTimeout):
				fmt.Fprintln(out, "The first connection is taking long; the session is saved anyway. Start the service with `quita serve`.")
			case <-ctx.Done():
				return who, ctx.Err()
			}
			return who, nil
		case whatsmeow.QRChannelScannedWithoutMultidevice.Event:
			fmt.Fprintln(out, "The phone scanned the code, but its WhatsApp is too old for linked devices: update WhatsApp and scan again.")
		case whatsmeow.QRChannelTimeout.Event:
			return types.EmptyJID, errors.New("no phone linked in time: run `quita whatsapp login` again and scan (or type) the code within a minute")
		case whatsmeow.QRChannelClientOutdated.Event:
			return types.EmptyJID, errors.New("WhatsApp rejects this client version: upgrade quita")
		case whatsmeow.QRChannelEventError:
			return types.EmptyJID, fmt.Errorf("pairing failed: %w", item.Error)
		default:
			return types.EmptyJID, fmt.Errorf("pairing failed: WhatsApp answered %q", item.Event)
		}
	}
	if err := ctx.Err(); err != nil {
		return types.EmptyJID, err
	}
	return types.EmptyJID, errors.New("pairing ended without a result: run `quita whatsapp login` again")
}

// e164 shows a phone JID as +CC…, or the raw JID when it is not a number.
func e164(jid types.JID) string {
	if p, err := channels.NormalizePhone(jid.User); err == nil && jid.Server == types.DefaultUserServer {
		return p
	}
	return jid.String()
}
