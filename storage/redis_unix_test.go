package storage_test

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// TestConnectThroughAUnixSocket talks to the test's Redis through a Unix
// socket that relays to it, so the unix:// URL is shown to dial the socket
// and carry commands both ways, on the database the URL names.
func TestConnectThroughAUnixSocket(t *testing.T) {
	r := redistest.New(t)
	target, err := redis.ParseURL(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "redis.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	relayed := make(chan struct{}, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			relayed <- struct{}{}
			go relay(t, c, target.Addr)
		}
	}()

	ctx := context.Background()
	// The test's database, not 0: REDIS_URL may name any (redis://…/5), and
	// the value is read back there.
	rdb, err := storage.Connect(ctx, "unix://"+sock+"?db="+strconv.Itoa(target.DB))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if len(relayed) == 0 {
		t.Fatal("Connect answered without dialling the socket")
	}
	key := r.Prefix + ":unix"
	if err := rdb.Set(ctx, key, "via the socket", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Client.Get(ctx, key).Result(); err != nil || got != "via the socket" {
		t.Fatalf("the server holds %q (%v), want the value set through the socket", got, err)
	}
}

func relay(t *testing.T, c net.Conn, addr string) {
	defer c.Close()
	up, err := net.Dial("tcp", addr)
	if err != nil {
		t.Errorf("relay to %s: %v", addr, err)
		return
	}
	defer up.Close()
	go io.Copy(up, c)
	io.Copy(c, up)
}
