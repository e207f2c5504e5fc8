package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage/redistest"
)

func TestWhatsAppDirectorySurvivesANewStore(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	d := r.Store().WhatsAppDirectory()
	if err := d.PutLID(ctx, "123456789@lid", "+5511987650001"); err != nil {
		t.Fatal(err)
	}
	if err := d.NoteInbound(ctx, "+5511987650001", time.Now()); err != nil {
		t.Fatal(err)
	}
	again := r.Store().WhatsAppDirectory() // another process on the same Redis
	if p, err := again.PhoneForLID(ctx, "123456789@lid"); p != "+5511987650001" || err != nil {
		t.Fatalf("PhoneForLID = %q, %v", p, err)
	}
	if p, _ := again.PhoneForLID(ctx, "999@lid"); p != "" {
		t.Fatalf("unknown LID mapped to %q", p)
	}
	if ok, _ := again.HasWritten(ctx, "+5511987650001"); !ok {
		t.Fatal("a number that wrote is forgotten")
	}
	if ok, _ := again.HasWritten(ctx, "+5511987650009"); ok {
		t.Fatal("a number that never wrote counts as written")
	}
}
