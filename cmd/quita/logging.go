package main

import (
	"io"
	"log/slog"
	"strings"

	"github.com/quita-bot/quita/channels"
)

// newLogger builds the slog logger; attributes that carry a phone number or
// a CPF are masked whatever the caller passed (LGPD: no PII in logs).
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: maskPII}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func maskPII(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindString {
		return a
	}
	switch strings.ToLower(a.Key) {
	case "phone", "from", "to", "conv", "conversation", "number":
		v := a.Value.String()
		if strings.Contains(v, "****") {
			return a
		}
		return slog.String(a.Key, channels.MaskPhone(v))
	case "cpf":
		v := a.Value.String()
		if len(v) >= 2 {
			return slog.String(a.Key, "***.***.***-"+v[len(v)-2:])
		}
		return slog.String(a.Key, "***")
	}
	return a
}
