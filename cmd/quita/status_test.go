package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/bot/metrics"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// statusNow is the clock of the status tests, so that ages are exact.
var statusNow = time.Date(2026, 3, 14, 6, 0, 0, 0, time.UTC)

func runStatusCmd(t *testing.T, r *redistest.Server, extra ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	args := append([]string{"--redis", r.URL, "--prefix", r.Prefix}, extra...)
	err = statusMain(context.Background(), args, &out, &errOut, func() time.Time { return statusNow })
	return out.String(), err
}

// statusRow is the table row of one item.
func statusRow(t *testing.T, out, item string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, item+"  ") {
			return line
		}
	}
	t.Fatalf("no row %q in:\n%s", item, out)
	return ""
}

func TestStatusVerdicts(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		seed    func(t *testing.T, r *redistest.Server, k storage.Keys)
		warnRow string // "" when all is ok
		alert   string
	}{
		{"empty", func(*testing.T, *redistest.Server, storage.Keys) {}, "", ""},
		{"inbound backlog", func(t *testing.T, r *redistest.Server, k storage.Keys) {
			id := strconv.FormatInt(statusNow.Add(-2*time.Minute).UnixMilli(), 10) + "-0"
			must(t, r.Client.XAdd(ctx, &redis.XAddArgs{Stream: k.Inbound(), ID: id, Values: []any{"c", "+5511987650001"}}).Err())
		}, "stream in", "QuitaInboundBacklog"},
		{"inbound under a minute is fine", func(t *testing.T, r *redistest.Server, k storage.Keys) {
			id := strconv.FormatInt(statusNow.Add(-59*time.Second).UnixMilli(), 10) + "-0"
			must(t, r.Client.XAdd(ctx, &redis.XAddArgs{Stream: k.Inbound(), ID: id, Values: []any{"c", "+5511987650001"}}).Err())
		}, "", ""},
		{"dead letters", func(t *testing.T, r *redistest.Server, k storage.Keys) {
			must(t, r.Client.RPush(ctx, k.DeadLetters(), `{"conversation":"+5511987650001","raw":"{"}`).Err())
		}, "dead letters", "QuitaDeadLetters"},
		{"retries overdue", func(t *testing.T, r *redistest.Server, k storage.Keys) {
			must(t, r.Client.ZAdd(ctx, k.OutboundRetry(), redis.Z{Score: float64(statusNow.Add(-10 * time.Minute).UnixMilli()), Member: "m"}).Err())
		}, "retries", "QuitaRetriesOverdue"},
		{"reminders overdue", func(t *testing.T, r *redistest.Server, k storage.Keys) {
			must(t, r.Client.ZAdd(ctx, k.Schedule(), redis.Z{Score: float64(statusNow.Add(-40 * time.Minute).UnixMilli()), Member: "debt1"}).Err())
		}, "reminders", "QuitaRemindersOverdue"},
		{"handoff waiting", func(t *testing.T, r *redistest.Server, k storage.Keys) {
			score := storage.HandoffScore(dialogs.PriorityNormal, statusNow.Add(-5*time.Hour))
			must(t, r.Client.ZAdd(ctx, k.HandoffQueue(), redis.Z{Score: score, Member: "+5511987650001"}).Err())
		}, "handoff queue", "QuitaHandoffWaiting"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := redistest.New(t)
			c.seed(t, r, r.Store().Keys())
			out, err := runStatusCmd(t, r)
			if c.warnRow == "" {
				if err != nil {
					t.Fatalf("status failed: %v\n%s", err, out)
				}
				if strings.Contains(out, "WARN") || !strings.Contains(out, "all ok") {
					t.Errorf("want every item ok:\n%s", out)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.alert) {
				t.Fatalf("error %v, want a WARN naming %s", err, c.alert)
			}
			row := statusRow(t, out, c.warnRow)
			if !strings.Contains(row, "WARN") || !strings.Contains(row, c.alert) || !strings.Contains(row, "RUNBOOK.md#"+strings.ToLower(c.alert)) {
				t.Errorf("row %q: want a WARN naming %s and its runbook section", row, c.alert)
			}
			if n := strings.Count(out, "WARN:"); n != 2 { // the row and the closing line
				t.Errorf("%d WARN lines, want only %s's:\n%s", n-1, c.warnRow, out)
			}
		})
	}
}

func TestStatusJSON(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	k := r.Store().Keys()
	must(t, r.Client.RPush(ctx, k.DeadLetters(), "a", "b", "c").Err())
	must(t, r.Client.ZAdd(ctx, k.Schedule(), redis.Z{Score: float64(statusNow.Add(-time.Minute).UnixMilli()), Member: "debt1"}).Err())
	out, err := runStatusCmd(t, r, "--json")
	if err == nil {
		t.Fatal("dead letters present: want exit status 1")
	}
	var rep struct {
		OK       bool            `json:"ok"`
		Prefix   string          `json:"prefix"`
		Figures  metrics.Figures `json:"figures"`
		Checks   []metrics.Check `json:"checks"`
		Problems []string        `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if rep.OK || rep.Prefix != r.Prefix || rep.Figures.DeadLetters != 3 || rep.Figures.RemindersDue != 1 ||
		rep.Figures.RemindersOverdueSeconds != 60 || len(rep.Figures.Streams) != 3 {
		t.Errorf("report %+v: want not ok, 3 dead letters, 1 reminder 60 s late, 3 streams", rep)
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "QuitaDeadLetters") {
		t.Errorf("problems %q, want the dead letters only", rep.Problems)
	}
	if len(rep.Checks) != len(metrics.Figures{Streams: rep.Figures.Streams}.Checks()) {
		t.Errorf("%d checks, want one per figure", len(rep.Checks))
	}
}

func TestStatusReadyz(t *testing.T) {
	for _, c := range []struct {
		name, body string
		code       int
		wantWarn   string
	}{
		{"ready", `{"status":"ready","redis":"ok","channels":{"sms":"configured"}}`, 200, ""},
		{"channel down", `{"status":"unavailable","redis":"ok","channels":{"whatsapp":"logged_out"}}`, 503, "QuitaChannelNotReady"},
		{"redis down", `{"status":"unavailable","redis":"unreachable: EOF","channels":{}}`, 503, "QuitaRedisDown"},
		{"not quita", `<html>`, 200, "not /readyz's JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				if req.URL.Path != "/readyz" {
					http.NotFound(w, req)
					return
				}
				w.WriteHeader(c.code)
				w.Write([]byte(c.body))
			}))
			defer srv.Close()
			out, err := runStatusCmd(t, redistest.New(t), "--url", srv.URL)
			row := statusRow(t, out, "readyz")
			if c.wantWarn == "" {
				if err != nil || !strings.HasSuffix(strings.TrimSpace(row), "ok") || !strings.Contains(row, "sms configured") {
					t.Errorf("err %v, row %q: want ok with the channel's state", err, row)
				}
				return
			}
			if err == nil || !strings.Contains(row, "WARN") || !strings.Contains(row, c.wantWarn) {
				t.Errorf("err %v, row %q: want a WARN naming %q", err, row, c.wantWarn)
			}
		})
	}
	t.Run("no answer", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		_, err := runStatusCmd(t, redistest.New(t), "--url", url)
		if err == nil || !strings.Contains(err.Error(), "QuitaTargetDown") {
			t.Errorf("err %v, want a WARN naming QuitaTargetDown", err)
		}
	})
}

func TestStatusWithoutRedisSaysHowToFix(t *testing.T) {
	var out, errOut bytes.Buffer
	err := statusMain(context.Background(), []string{"--redis", "redis://127.0.0.1:1/0"}, &out, &errOut, time.Now)
	if err == nil || !strings.Contains(err.Error(), "--redis") {
		t.Errorf("err %v, want one that says to set --redis or REDIS_URL", err)
	}
	t.Setenv("REDIS_URL", "")
	t.Setenv("QUITA_DATA_DIR", t.TempDir())
	err = statusMain(context.Background(), nil, &out, &errOut, time.Now)
	if err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Errorf("err %v, want one that says to set REDIS_URL", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestStatusShowsRedisMemory(t *testing.T) {
	r := redistest.New(t)
	out, err := runStatusCmd(t, r)
	if err != nil {
		t.Fatalf("status failed: %v\n%s", err, out)
	}
	if !r.Real { // miniredis answers no INFO memory, as the embedded server: no row rather than zeros
		if strings.Contains(out, "\nredis  ") {
			t.Errorf("a redis row without figures:\n%s", out)
		}
		return
	}
	if row := statusRow(t, out, "redis"); !strings.Contains(row, "memory ") || !strings.HasSuffix(strings.TrimSpace(row), "ok") {
		t.Errorf("redis row %q: want its memory and ok", row)
	}
}

func TestRedisMemoryFigures(t *testing.T) {
	for _, c := range []struct {
		server metrics.RedisServer
		want   string
	}{
		{metrics.RedisServer{Known: true, UsedMemoryBytes: 3 << 20}, "memory 3.0 MiB, no maxmemory (bounded by the host)"},
		{metrics.RedisServer{Known: true, UsedMemoryBytes: 900 << 20, MaxMemoryBytes: 1 << 30, MaxMemoryPolicy: "noeviction"},
			"memory 900.0 MiB of 1024.0 MiB (88%), maxmemory-policy noeviction"},
	} {
		if got := redisMemoryFigures(c.server); got != c.want {
			t.Errorf("redisMemoryFigures(%+v) = %q, want %q", c.server, got, c.want)
		}
	}
}
