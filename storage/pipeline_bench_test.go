package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/channels"
)

// BenchmarkMessagePath runs the Redis side of one inbound message and its
// reply, for batches of 16 conversations as the service forms them under
// load: accept, read, begin (with the case read ahead), commit, read the
// outbound stream, send states, send record. It reports the Redis server's
// time in each script per message (INFO commandstats, evalsha) and, in
// "total", the server's whole CPU per message (INFO used_cpu_*), the
// figure that bounds throughput on two shared cores. Real Redis only:
//
//	go test ./storage -run - -bench MessagePath -benchtime 2000x
func BenchmarkMessagePath(b *testing.B) {
	rdb, prefix := realRedis(b)
	if rdb == nil {
		b.Skip("needs a real Redis (REDIS_URL): the figures are the server's CPU")
	}
	const batch = 16
	s := New(rdb, prefix)
	ctx := context.Background()
	const convs = 4096
	phones := make([]string, convs)
	rows := make([]ImportRow, convs)
	for i := range phones {
		phones[i] = fmt.Sprintf("+55119%08d", i)
		rows[i] = importRow("loja", "NF"+strconv.Itoa(i), fmt.Sprintf("%011d", i), []string{phones[i]}, "Maria Silva", "15000", time.Now().UnixMilli())
	}
	if _, err := s.ImportDebts(ctx, rows); err != nil {
		b.Fatal(err)
	}
	for _, g := range []string{s.keys.Inbound(), s.keys.Outbound()} {
		if err := s.EnsureGroup(ctx, g, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	// the state a step leaves: the debtor found, a menu shown
	states := make([][]byte, convs)
	for i := range states {
		id, err := s.DebtorIDByPhone(ctx, phones[i])
		if err != nil || id == "" {
			b.Fatalf("debtor of %s: %q %v", phones[i], id, err)
		}
		states[i] = []byte(`{"state":"menu","verified":true,"debtor_id":"` + id + `","slots":{"name":"Maria","offer":"3x R$ 50,00"},"turns":3,"lang":"pt","channel":"sms","since":"2026-12-03T06:00:00Z","last_intent":"second_copy"}`)
	}
	var seq int
	round := func(measure func(phase string, f func())) {
		at := time.Now()
		group := make([]*acceptReq, batch)
		for j := range group {
			c := phones[seq%convs]
			seq++
			group[j] = &acceptReq{msg: Message{ID: NewID(), Conversation: c, Direction: In, Channel: "sms", Text: "quero a segunda via do boleto",
				ProviderID: "SM" + NewID(), At: at}}
			group[j].body = []byte(`{"id":"` + group[j].msg.ID + `","conversation":"` + c + `","direction":"in","channel":"sms","text":"quero a segunda via do boleto","provider_id":"` + group[j].msg.ProviderID + `","time":"2026-12-03T06:00:00Z"}`)
		}
		measure("accept", func() { s.acceptMany(ctx, group) })
		var entries []StreamEntry
		measure("", func() {
			var err error
			if entries, err = s.ReadGroup(ctx, s.keys.Inbound(), "bench", "b", batch, 0); err != nil || len(entries) != batch {
				b.Fatalf("read inbound: %d entries, %v", len(entries), err)
			}
		})
		convIDs, tokens := make([]string, batch), make([]string, batch)
		for j, e := range entries {
			convIDs[j], _ = e.Values["c"].(string)
			tokens[j] = "t" + strconv.Itoa(j)
		}
		var begun []Begun
		measure("begin", func() {
			var err error
			if begun, err = s.BeginMany(ctx, convIDs, tokens, time.Minute); err != nil {
				b.Fatal(err)
			}
		})
		commits := make([]Commit, batch)
		for j, c := range convIDs {
			if !begun[j].OK || begun[j].Case == nil || !begun[j].Case.Record.Found {
				b.Fatalf("begin %s: %+v", c, begun[j])
			}
			idx, _ := strconv.Atoi(c[len(c)-8:])
			reply := Message{ID: NewID(), Conversation: c, Direction: Out, Channel: "sms", Origin: "reply",
				Text: "Aqui está a segunda via do seu boleto, Maria: 34191.79001 01043.510047 91020.150008 1 96610000015000", At: at}
			in := group[j].msg
			commits[j] = Commit{Conversation: c, Token: tokens[j], InboxRaw: begun[j].Head, State: states[idx], At: at,
				Messages: []Message{in, reply}, Nudge: at.Add(24 * time.Hour).UnixMilli(),
				Outbound: []Outbound{{Outbound: channels.Outbound{ID: reply.ID, ConversationID: c, Channel: "sms", To: c, Text: reply.Text}, EnqueuedAt: at, Reply: true}},
				Release:  &InboundEntry{Group: "bench", IDs: []string{entries[j].ID}}}
		}
		measure("commit", func() {
			res, err := s.CommitMany(ctx, commits)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil || !r.Released {
					b.Fatalf("commit: %+v", r)
				}
			}
		})
		var outs []StreamEntry
		measure("", func() {
			var err error
			if outs, err = s.ReadGroup(ctx, s.keys.Outbound(), "bench", "b", batch, 0); err != nil || len(outs) != batch {
				b.Fatalf("read outbound: %d entries, %v", len(outs), err)
			}
		})
		msgs := make([]Outbound, len(outs))
		recs := make([]SentRecord, len(outs))
		for j, e := range outs {
			o, err := DecodeOutbound(e)
			if err != nil {
				b.Fatal(err)
			}
			msgs[j] = o
			recs[j] = SentRecord{Message: o, ProviderID: "SM" + NewID(), Status: channels.StatusSent, EntryID: e.ID}
		}
		measure("", func() {
			if _, err := s.SendStates(ctx, msgs); err != nil {
				b.Fatal(err)
			}
		})
		measure("sent", func() {
			if _, err := s.SentMany(ctx, "bench", recs); err != nil {
				b.Fatal(err)
			}
		})
	}
	b.Run("scripts", func(b *testing.B) {
		spent := map[string]float64{}
		for b.Loop() {
			round(func(phase string, f func()) {
				if phase == "" {
					f()
					return
				}
				before := evalshaMicros(b, rdb)
				f()
				spent[phase] += evalshaMicros(b, rdb) - before
			})
		}
		for _, phase := range []string{"accept", "begin", "commit", "sent"} {
			b.ReportMetric(spent[phase]/float64(b.N*batch), phase+"-µs/msg")
		}
	})
	// bound: the same writes, and the reads a step needs, as plain pipelined
	// commands: no scripts, no locks, no checks. Not a correct pipeline (two
	// workers could interleave); it is the least Redis work this data layout
	// asks per message, against which "total" is measured. bound-lua runs
	// the same commands from one script per phase: its difference from
	// bound is what calling them from Lua costs.
	debtors := make([]string, convs)
	for i := range debtors {
		debtors[i], _ = s.DebtorIDByPhone(ctx, phones[i])
	}
	leastWork := func(b *testing.B, exec func(cmds [][]any)) {
		text := "Aqui está a segunda via do seu boleto, Maria: 34191.79001 01043.510047 91020.150008 1 96610000015000"
		dedupeTTL, pidTTL := DedupeTTL.Milliseconds(), (30 * 24 * time.Hour).Milliseconds()
		before := redisCPU(b, rdb)
		for b.Loop() {
			at := time.Now().UnixMilli()
			var cmds [][]any
			convIDs := make([]string, batch)
			for j := range convIDs {
				c := phones[seq%convs]
				seq++
				convIDs[j] = c
				id := NewID()
				cmds = append(cmds, []any{"SET", s.keys.Dedupe("sms", "SM"+id), "1", "NX", "PX", dedupeTTL},
					[]any{"RPUSH", s.keys.Inbox(c), `{"id":"` + id + `","conversation":"` + c + `","direction":"in","channel":"sms","text":"quero a segunda via do boleto","provider_id":"SM` + id + `","time":"2026-12-03T06:00:00Z"}`},
					[]any{"XADD", s.keys.Inbound(), "*", "c", c})
			}
			exec(cmds)
			entries, err := s.ReadGroup(ctx, s.keys.Inbound(), "bench", "b", batch, 0)
			if err != nil || len(entries) != batch {
				b.Fatalf("read inbound: %d entries, %v", len(entries), err)
			}
			cmds = cmds[:0]
			mget := []any{"MGET"}
			for _, c := range convIDs {
				idx, _ := strconv.Atoi(c[len(c)-8:])
				mget = append(mget, s.keys.State(c))
				cmds = append(cmds, []any{"LINDEX", s.keys.Inbox(c), 0},
					[]any{"HGET", s.keys.Prefix + ":debtors:" + bucketOf(debtors[idx]), debtors[idx]})
			}
			exec(append(cmds, mget))
			cmds = cmds[:0]
			mset, seen, nudges := []any{"MSET"}, []any{"ZADD", s.keys.Conversations()}, []any{"ZADD", s.keys.Nudges()}
			ack, del := []any{"XACK", s.keys.Inbound(), "bench"}, []any{"XDEL", s.keys.Inbound()}
			for j, c := range convIDs {
				idx, _ := strconv.Atoi(c[len(c)-8:])
				in, reply := NewID(), NewID()
				cmds = append(cmds, []any{"LPOP", s.keys.Inbox(c)},
					[]any{"RPUSH", s.keys.Log(c), in, reply},
					[]any{"HSET", s.keys.Msgs(c), in, `{"id":"` + in + `","conversation":"` + c + `","direction":"in","channel":"sms","text":"quero a segunda via do boleto","time":"2026-12-03T06:00:00Z"}`,
						reply, `{"id":"` + reply + `","conversation":"` + c + `","direction":"out","channel":"sms","text":"` + text + `","time":"2026-12-03T06:00:00Z"}`},
					[]any{"XADD", s.keys.Outbound(), "*", "m", `{"id":"` + reply + `","channel":"sms","to":"` + c + `","text":"` + text + `","conversation_id":"` + c + `"}`, "c", c})
				mset = append(mset, s.keys.State(c), states[idx])
				seen = append(seen, at, c)
				nudges = append(nudges, at+24*3600*1000, c)
				ack, del = append(ack, entries[j].ID), append(del, entries[j].ID)
			}
			exec(append(cmds, mset, seen, nudges, ack, del))
			outs, err := s.ReadGroup(ctx, s.keys.Outbound(), "bench", "b", batch, 0)
			if err != nil || len(outs) != batch {
				b.Fatalf("read outbound: %d entries, %v", len(outs), err)
			}
			cmds = cmds[:0]
			ack, del = []any{"XACK", s.keys.Outbound(), "bench"}, []any{"XDEL", s.keys.Outbound()}
			for _, e := range outs {
				c, _ := e.Values["c"].(string)
				cmds = append(cmds, []any{"HGET", s.keys.OptOut("sms", c), "at"},
					[]any{"SET", s.keys.ProviderIndex("sms", "SM"+NewID()), c + "|" + e.ID, "PX", pidTTL},
					[]any{"HSETNX", s.keys.Status(c), e.ID, "3|sent|"})
				ack, del = append(ack, e.ID), append(del, e.ID)
			}
			exec(append(cmds, ack, del))
		}
		b.ReportMetric((redisCPU(b, rdb)-before)*1e6/float64(b.N*batch), "redis-cpu-µs/msg")
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "wall-µs/msg")
	}
	b.Run("bound", func(b *testing.B) {
		leastWork(b, func(cmds [][]any) {
			pipe := rdb.Pipeline()
			for _, c := range cmds {
				pipe.Do(ctx, c...)
			}
			if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
				b.Fatal(err)
			}
		})
	})
	// each command as its argument count then its arguments
	runAll := redis.NewScript(`
local i = 1
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return 1`)
	b.Run("bound-lua", func(b *testing.B) {
		leastWork(b, func(cmds [][]any) {
			var args []any
			for _, c := range cmds {
				args = append(append(args, len(c)), c...)
			}
			if err := runAll.Run(ctx, rdb, nil, args...).Err(); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("total", func(b *testing.B) {
		before := redisCPU(b, rdb)
		for b.Loop() {
			round(func(_ string, f func()) { f() })
		}
		b.ReportMetric((redisCPU(b, rdb)-before)*1e6/float64(b.N*batch), "redis-cpu-µs/msg")
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "wall-µs/msg")
	})
}

// evalshaMicros is the server's total time in EVALSHA so far (µs).
func evalshaMicros(b *testing.B, rdb redis.UniversalClient) float64 {
	return infoField(b, rdb, "commandstats", "cmdstat_evalsha:", "usec=")
}

// redisCPU is the server's CPU time so far (seconds, user and system).
func redisCPU(b *testing.B, rdb redis.UniversalClient) float64 {
	return infoField(b, rdb, "cpu", "used_cpu_user:", "") + infoField(b, rdb, "cpu", "used_cpu_sys:", "")
}

// infoField reads a number from INFO section: the line starting with line,
// and in it the value after field ("" for the whole rest of the line).
func infoField(b *testing.B, rdb redis.UniversalClient, section, line, field string) float64 {
	info, err := rdb.Info(context.Background(), section).Result()
	if err != nil {
		b.Fatal(err)
	}
	for l := range strings.SplitSeq(info, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), line)
		if !ok {
			continue
		}
		if field != "" {
			_, rest, _ = strings.Cut(rest, field)
			rest, _, _ = strings.Cut(rest, ",")
		}
		v, _ := strconv.ParseFloat(rest, 64)
		return v
	}
	return 0
}
