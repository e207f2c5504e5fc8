package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels/twilio"
)

// Credentials of the fake providers the quita processes are configured with.
const (
	twilioSID     = "AC0123456789abcdef0123456789abcdef"
	twilioToken   = "faulttesttoken0123456789"
	twilioFrom    = "+15005550006"
	cloudSecret   = "cloud-app-secret-for-fault-tests"
	cloudPhoneID  = "1234567890"
	secret        = "fault-test-secret-fault-test-secret"
	buildTimeout  = 5 * time.Minute
	readyDeadline = 60 * time.Second
)

var quitaBin string // built once by TestMain

func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "quita-faults-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		quitaBin = filepath.Join(dir, "quita")
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", quitaBin, "github.com/quita-bot/quita/cmd/quita")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "faults: go build of cmd/quita failed:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// needRedisServer skips (or, under QUITA_REQUIRE_REDIS=1, fails) when no
// redis-server binary can be run.
func needRedisServer(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("redis-server")
	if err == nil {
		return p
	}
	if os.Getenv("QUITA_REQUIRE_REDIS") == "1" {
		t.Fatalf("QUITA_REQUIRE_REDIS=1 but redis-server is not installed: %v (apt-get install redis-server)", err)
	}
	t.Skipf("redis-server is not installed (%v): the fault tests start and kill their own; install it to run them", err)
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// redisProc is a redis-server process with AOF on and appendfsync always,
// on a fixed port and data dir, so that it can be killed and restarted.
type redisProc struct {
	t    *testing.T
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisProc {
	t.Helper()
	r := &redisProc{t: t, bin: needRedisServer(t), port: freePort(t), dir: t.TempDir()}
	r.start()
	t.Cleanup(func() { r.kill() })
	return r
}

func (r *redisProc) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *redisProc) start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin, "--port", fmt.Sprint(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--maxmemory-policy", "noeviction")
	r.cmd.Stdout, r.cmd.Stderr = io.Discard, io.Discard
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !r.answers() {
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on port %d does not answer PING", r.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL: no shutdown save, only what AOF already has survives.
func (r *redisProc) kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	_ = r.cmd.Wait()
	r.cmd = nil
}

// do sends one inline command and returns the first reply line.
func (r *redisProc) do(args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.port), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return "", err
	}
	buf := make([]byte, 64<<10)
	n, err := c.Read(buf)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(buf[:n]), "\r\n"), nil
}

func (r *redisProc) answers() bool {
	s, err := r.do("PING")
	return err == nil && s == "+PONG"
}

// dbsize is the number of keys, the witness of "no state change".
func (r *redisProc) dbsize() int {
	r.t.Helper()
	s, err := r.do("DBSIZE")
	if err != nil || !strings.HasPrefix(s, ":") {
		r.t.Fatalf("DBSIZE: %q %v", s, err)
	}
	var n int
	fmt.Sscan(s[1:], &n)
	return n
}

// quitaProc is a `quita serve` process.
type quitaProc struct {
	t    *testing.T
	env  []string
	port int
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   *sync.Mutex
	done chan struct{}
}

// fakeTwilio answers CreateMessage like Twilio's REST API; mode decides how.
type fakeTwilio struct {
	mode     atomic.Value // "ok", "500", "hang"
	calls    atomic.Int64
	mu       sync.Mutex
	received map[string]int // To → messages created
	srv      *httpServer
}

type httpServer struct {
	*http.Server
	URL string
}

func startFakeTwilio(t *testing.T) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{received: map[string]int{}}
	f.mode.Store("ok")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f}
	go srv.Serve(l)
	f.srv = &httpServer{Server: srv, URL: "http://" + l.Addr().String()}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		srv.Close()
	})
	return f
}

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		http.NotFound(w, r)
		return
	}
	_ = r.ParseForm()
	n := f.calls.Add(1)
	switch f.mode.Load().(string) {
	case "500":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"code":20500,"message":"Internal Server Error","status":500}`)
		return
	case "hang":
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
		return
	}
	f.mu.Lock()
	f.received[r.PostForm.Get("To")]++
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"sid":"SM%032x","status":"queued","to":%q}`, n, r.PostForm.Get("To"))
}

func (f *fakeTwilio) sentTo(phone string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.received[phone]
}

// quitaEnv is a production-like configuration on the given Redis with
// Twilio SMS (at fake), the WhatsApp Cloud webhook and the simulator on.
func quitaEnv(t *testing.T, redisURL, twilioAPI string, port int, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		fmt.Sprintf("QUITA_ADDR=127.0.0.1:%d", port), fmt.Sprintf("QUITA_PUBLIC_URL=http://127.0.0.1:%d", port),
		"REDIS_URL=" + redisURL, "QUITA_SECRET=" + secret, "QUITA_DATA_DIR=" + t.TempDir(),
		"QUITA_CONFIG=" + productionConfig(t), // production refuses the demo's example identities
		"QUITA_SIMULATOR=on", "QUITA_DEMO=on", "QUITA_LOG_FORMAT=json", "QUITA_LOG_LEVEL=info",
		"QUITA_SHUTDOWN_TIMEOUT=2s",
		"TWILIO_ACCOUNT_SID=" + twilioSID, "TWILIO_AUTH_TOKEN=" + twilioToken, "TWILIO_FROM=" + twilioFrom,
		"TWILIO_API_URL=" + twilioAPI,
		"WHATSAPP_CLOUD_TOKEN=cloud-token", "WHATSAPP_CLOUD_PHONE_ID=" + cloudPhoneID,
		"WHATSAPP_CLOUD_APP_SECRET=" + cloudSecret, "WHATSAPP_CLOUD_VERIFY_TOKEN=verify-me",
		"WHATSAPP_CLOUD_API_URL=" + twilioAPI + "/graph", // never the real Graph API: the fake answers 404
	}
	return append(env, extra...)
}

// productionConfig is the path of a production-shaped creditor file.
func productionConfig(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs("../config/testdata/production.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return path
}

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// startQuita runs `quita serve` and waits for /readyz.
func startQuita(t *testing.T, env []string, port int) *quitaProc {
	t.Helper()
	q := &quitaProc{t: t, env: env, port: port, log: &bytes.Buffer{}, mu: &sync.Mutex{}}
	q.start()
	t.Cleanup(func() {
		q.kill()
		if t.Failed() {
			q.mu.Lock()
			out := q.log.String()
			q.mu.Unlock()
			if len(out) > 30000 {
				out = "…" + out[len(out)-30000:]
			}
			t.Logf("quita log (tail):\n%s", out)
		}
	})
	return q
}

func (q *quitaProc) start() {
	q.t.Helper()
	q.cmd = exec.Command(quitaBin, "serve")
	q.cmd.Env = q.env
	w := lockedBuffer{q.mu, q.log}
	q.cmd.Stdout, q.cmd.Stderr = w, w
	if err := q.cmd.Start(); err != nil {
		q.t.Fatalf("start quita: %v", err)
	}
	q.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(q.cmd, q.done)
	deadline := time.Now().Add(readyDeadline)
	for {
		resp, err := http.Get(q.url("/readyz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-q.done:
			q.t.Fatalf("quita exited before it was ready:\n%s", q.logText())
		default:
		}
		if time.Now().After(deadline) {
			q.t.Fatalf("quita not ready after %s (last: %v):\n%s", readyDeadline, err, q.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (q *quitaProc) logText() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.log.String()
}

func (q *quitaProc) kill() {
	if q.cmd == nil || q.cmd.Process == nil {
		return
	}
	_ = q.cmd.Process.Signal(syscall.SIGKILL)
	<-q.done
	q.cmd = nil
}

func (q *quitaProc) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", q.port, path)
}

var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}

func inboundSMS(sid, from, body string) url.Values {
	return url.Values{"MessageSid": {sid}, "AccountSid": {twilioSID}, "From": {from}, "To": {twilioFrom},
		"Body": {body}, "NumMedia": {"0"}}
}

// postTwilio posts a signed (with token) webhook and returns the status code.
func (q *quitaProc) postTwilio(path string, form url.Values, token string) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, q.url(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Sign(token, q.url(path), form))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

type entry struct {
	ID        string `json:"id"`
	Direction string `json:"direction"`
	Text      string `json:"text"`
	Status    string `json:"status"`
}

func (q *quitaProc) transcript(phone string) ([]entry, error) {
	resp, err := client.Get(q.url("/simulator/api/conversations/" + url.PathEscape(phone) + "/messages"))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("transcript of %s: %s", phone, resp.Status)
	}
	var out []entry
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s; last state: %s", d, what, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// phone is the i-th test number (valid Brazilian mobiles).
func phone(i int) string { return fmt.Sprintf("+55119%08d", 10000000+i) }
