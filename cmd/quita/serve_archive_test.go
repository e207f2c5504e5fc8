package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage/archive"
	"github.com/quita-bot/quita/storage/archive/archivetest"
	"github.com/quita-bot/quita/storage/redistest"
)

// A running service archives what it commits, on both dialects: the
// debtor's message and the bot's reply, with the reply's delivery status.
func TestServeArchivesConversations(t *testing.T) {
	for _, d := range []archive.Dialect{archive.SQLite, archive.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			r := redistest.New(t)
			cfg := testConfig(t, r.URL, r.Prefix)
			cfg.ArchiveURL = archivetest.URL(t, d)
			s, _ := startService(t, cfg)
			simulatorSay(t, s, "+5511912345678", "oi")
			waitTranscript(t, s, "+5511912345678", 2)
			deadline := time.Now().Add(15 * time.Second)
			for {
				msgs, err := s.archive.Transcript(context.Background(), "+5511912345678", 0)
				if err != nil {
					t.Fatal(err)
				}
				if len(msgs) == 2 && msgs[1].Status == "delivered" {
					if msgs[0].Text != "oi" || !strings.Contains(msgs[1].Text, "Loja Exemplo") {
						t.Fatalf("archived %+v", msgs)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("archive holds %+v", msgs)
				}
				time.Sleep(20 * time.Millisecond) // polling a condition with a deadline
			}
		})
	}
}

// quita archive backfill archives a Redis written with archiving off, and
// a second run changes nothing.
func TestArchiveBackfillCommand(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.Archive = false
	s, stop := startService(t, cfg)
	simulatorSay(t, s, "+5511912345678", "oi")
	waitTranscript(t, s, "+5511912345678", 2)
	stop()
	url := archivetest.URL(t, archive.SQLite)
	t.Setenv("QUITA_ARCHIVE_URL", url)
	t.Setenv("REDIS_URL", r.URL)
	t.Setenv("QUITA_REDIS_PREFIX", r.Prefix)
	for run := 0; run < 2; run++ {
		var out, errOut bytes.Buffer
		if err := archiveMain(context.Background(), []string{"backfill"}, &out, &errOut); err != nil {
			t.Fatalf("%v: %s", err, errOut.String())
		}
		if !strings.Contains(out.String(), "archived 1 conversations (2 messages)") || !strings.Contains(errOut.String(), "conversations  1/1") {
			t.Fatalf("run %d: %q %q", run, out.String(), errOut.String())
		}
	}
	db, err := archive.Open(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, _ := db.Count(context.Background(), "messages"); n != 2 {
		t.Fatalf("%d messages after two backfills", n)
	}
	if n, _ := db.Count(context.Background(), "debts"); n == 0 {
		t.Fatal("the demo portfolio's debts were not archived")
	}
}

// The admin API exports and erases a data subject; agents may not; after
// the erasure the person is not found, and the CLI export agrees.
func TestSubjectAdminAPI(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.AdminToken, cfg.SubjectHashKey = "admin-token-for-the-subject-test", "subject-hash-key-for-tests-0123"
	s, _ := startService(t, cfg)
	simulatorSay(t, s, "+5511987650001", "oi")
	waitTranscript(t, s, "+5511987650001", 2)
	call := func(method, token string) (int, string) {
		req := httptest.NewRequest(method, "/api/v1/subjects/529.982.247-25", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := s.app.Test(req, 10000)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := call("GET", "no-such-token"); code != 401 {
		t.Fatalf("unknown token: %d", code)
	}
	code, body := call("GET", cfg.AdminToken)
	if code != 200 || !strings.Contains(body, "Ana Souza") || !strings.Contains(body, `"oi"`) {
		t.Fatalf("GET = %d %.300s", code, body)
	}
	if code, body = call("DELETE", cfg.AdminToken); code != 200 || !strings.Contains(body, `"debtor_ids":["demo-ana"]`) {
		t.Fatalf("DELETE = %d %s", code, body)
	}
	if code, _ = call("GET", cfg.AdminToken); code != 404 {
		t.Fatalf("GET after the erasure = %d, want 404", code)
	}
	var audit int
	s.archive.SQL().QueryRow(`SELECT count(*) FROM subject_audit WHERE actor = 'api:admin'`).Scan(&audit)
	if audit != 2 {
		t.Fatalf("%d audit rows", audit)
	}
}

// The simulator's transcript of a trimmed conversation comes from the
// archive, the same as before the trim.
func TestSimulatorTranscriptAfterTrim(t *testing.T) {
	r := redistest.New(t)
	s, _ := startService(t, testConfig(t, r.URL, r.Prefix))
	simulatorSay(t, s, "+5511912345678", "oi")
	before := waitTranscript(t, s, "+5511912345678", 2)
	tr := &archive.Trimmer{Store: s.store, DB: s.archive, Now: func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }}
	if st, err := tr.TrimOnce(context.Background()); err != nil || st.Trimmed != 1 {
		t.Fatalf("trim: %+v %v", st, err)
	}
	if n, _ := s.store.LogLength(context.Background(), "+5511912345678"); n != 0 {
		t.Fatal("not trimmed from Redis")
	}
	after := simulatorTranscript(t, s, "+5511912345678")
	if len(after) != len(before) || after[0] != before[0] || after[1] != before[1] {
		t.Fatalf("before %+v\nafter %+v", before, after)
	}
}
