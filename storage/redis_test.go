package storage

import (
	"strings"
	"testing"
)

func TestRedisURLs(t *testing.T) {
	for _, tc := range []struct {
		url, addr string
		db        int
		unix      bool // dialled through a Unix socket
		wantErr   string
	}{
		{url: "redis://127.0.0.1:6379/2", addr: "127.0.0.1:6379", db: 2},
		{url: "redis://:pw@cache:6380", addr: "cache:6380"},
		{url: "unix:///run/redis/redis.sock?db=3", addr: "/run/redis/redis.sock", db: 3, unix: true},
		{url: "unix:///run/redis/redis.sock?db=x", wantErr: "unix:///path/to/redis.sock?db=0"},
		{url: "redis-cluster://a:7000,b:7001", addr: "a:7000"},
		{url: "redis-sentinel://s1:26379,s2:26379/0", wantErr: "?master=NAME"},
		{url: "127.0.0.1:6379", wantErr: "has no scheme"},
		{url: "memcached://x:11211", wantErr: "unix://"},
	} {
		o, err := universalOptions(tc.url)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one saying %q", tc.url, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if o.Addrs[0] != tc.addr || o.DB != tc.db || (o.Dialer != nil) != tc.unix {
			t.Errorf("%s: addr %s db %d unix %v, want %s db %d unix %v", tc.url, o.Addrs[0], o.DB, o.Dialer != nil, tc.addr, tc.db, tc.unix)
		}
	}
}
