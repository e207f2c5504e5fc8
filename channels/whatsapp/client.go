package whatsapp

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// Client is the part of *whatsmeow.Client the channel uses, with the
// signatures of the pinned whatsmeow version. Adapt wraps the real client;
// tests drive a fake that emits real *events.Message values.
type Client interface {
	Connect() error
	Disconnect()
	IsConnected() bool
	// IsPaired reports whether the device store holds a paired session.
	IsPaired() bool
	// AddEventHandlerWithSuccessStatus registers handler; a handler that
	// returns false leaves the message unacknowledged so WhatsApp delivers it
	// again after a reconnect.
	AddEventHandlerWithSuccessStatus(handler whatsmeow.EventHandlerWithSuccessStatus) uint32
	RemoveEventHandler(id uint32) bool
	SendMessage(ctx context.Context, to types.JID, message *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error)
	Upload(ctx context.Context, plaintext []byte, appInfo whatsmeow.MediaType) (whatsmeow.UploadResponse, error)
	MarkRead(ctx context.Context, ids []types.MessageID, timestamp time.Time, chat, sender types.JID, receiptTypeExtra ...types.ReceiptType) error
	SendPresence(ctx context.Context, state types.Presence) error
	SendChatPresence(ctx context.Context, jid types.JID, state types.ChatPresence, media types.ChatPresenceMedia) error
	IsOnWhatsApp(ctx context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error)
	// PNForLID looks a hidden-user (@lid) JID up in whatsmeow's LID map; an
	// empty JID means unknown.
	PNForLID(ctx context.Context, lid types.JID) (types.JID, error)
}

// Adapt wraps a real whatsmeow client as a Client.
func Adapt(cli *whatsmeow.Client) Client { return waClient{cli} }

type waClient struct{ *whatsmeow.Client }

func (c waClient) IsPaired() bool { return c.Store != nil && c.Store.ID != nil }

func (c waClient) PNForLID(ctx context.Context, lid types.JID) (types.JID, error) {
	return c.Store.LIDs.GetPNForLID(ctx, lid)
}

// waLogger routes whatsmeow's logs to slog. Debug lines are formatted only
// when slog would print them: whatsmeow logs every frame at debug level.
type waLogger struct {
	log    *slog.Logger
	module string
}

func newWALogger(log *slog.Logger, module string) waLog.Logger {
	return waLogger{log: log, module: module}
}

func (w waLogger) emit(level slog.Level, msg string, args []any) {
	if !w.log.Enabled(context.Background(), level) {
		return
	}
	w.log.Log(context.Background(), level, fmt.Sprintf(msg, args...), "whatsmeow", w.module)
}

func (w waLogger) Errorf(msg string, args ...any) { w.emit(slog.LevelError, msg, args) }
func (w waLogger) Warnf(msg string, args ...any)  { w.emit(slog.LevelWarn, msg, args) }
func (w waLogger) Infof(msg string, args ...any)  { w.emit(slog.LevelInfo, msg, args) }
func (w waLogger) Debugf(msg string, args ...any) { w.emit(slog.LevelDebug, msg, args) }
func (w waLogger) Sub(module string) waLog.Logger {
	return waLogger{log: w.log, module: w.module + "/" + module}
}

// The real client must keep fitting the interfaces as whatsmeow evolves.
var (
	_ Client = waClient{}
	_ Pairer = (*whatsmeow.Client)(nil)
)
