package storage

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// snapshotFile is where embedded mode keeps its data between runs.
const snapshotFile = "redis-snapshot.json.gz"

// Embedded is an in-process Redis-protocol server (miniredis) listening on a
// loopback port, so the zero-configuration demo runs through exactly the same
// go-redis code as production. Data lives in memory; Close writes a snapshot
// to the data dir and StartEmbedded reloads it.
type Embedded struct {
	srv  *miniredis.Miniredis
	dir  string
	stop chan struct{}
	done chan struct{}
}

// StartEmbedded starts the in-process server and reloads the snapshot in dir, if any.
func StartEmbedded(dir string) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w (set QUITA_DATA_DIR to a writable folder)", dir, err)
	}
	srv := miniredis.NewMiniRedis()
	if err := srv.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	e := &Embedded{srv: srv, dir: dir, stop: make(chan struct{}), done: make(chan struct{})}
	if err := e.restore(); err != nil {
		srv.Close()
		return nil, err
	}
	go e.tick()
	return e, nil
}

// tick moves miniredis's clock forward with the wall clock: miniredis only
// expires keys (locks, leases, dedupe marks) when told that time passed.
func (e *Embedded) tick() {
	defer close(e.done)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			e.srv.FastForward(now.Sub(last))
			last = now
		}
	}
}

// URL is the redis:// address of the embedded server.
func (e *Embedded) URL() string { return "redis://" + e.srv.Addr() + "/0" }

// Close snapshots the data to the data dir and stops the server.
func (e *Embedded) Close() error {
	close(e.stop)
	<-e.done
	err := e.Snapshot()
	e.srv.Close()
	return err
}

// snapshotKey is one key in the snapshot file.
type snapshotKey struct {
	Key    string             `json:"k"`
	Type   string             `json:"t"`
	TTLms  int64              `json:"ttl,omitempty"`
	String string             `json:"s,omitempty"`
	List   []string           `json:"l,omitempty"`
	Hash   map[string]string  `json:"h,omitempty"`
	ZSet   map[string]float64 `json:"z,omitempty"`
	Stream []snapshotEntry    `json:"x,omitempty"`
}

type snapshotEntry struct {
	ID     string   `json:"id"`
	Values []string `json:"v"`
}

// Snapshot writes every key to the data dir atomically (temp file + rename).
// Stream consumer groups are not saved: on reload every entry still in a
// stream is delivered again, which the pipeline treats idempotently
// (acknowledged entries are deleted from the streams).
func (e *Embedded) Snapshot() error {
	var keys []snapshotKey
	for _, k := range e.srv.Keys() {
		sk := snapshotKey{Key: k, Type: e.srv.Type(k)}
		if ttl := e.srv.TTL(k); ttl > 0 {
			sk.TTLms = ttl.Milliseconds()
		}
		var err error
		switch sk.Type {
		case "string":
			sk.String, err = e.srv.Get(k)
		case "list":
			sk.List, err = e.srv.List(k)
		case "set":
			sk.List, err = e.srv.Members(k)
		case "hash":
			var fields []string
			fields, err = e.srv.HKeys(k)
			sk.Hash = make(map[string]string, len(fields))
			for _, f := range fields {
				sk.Hash[f] = e.srv.HGet(k, f)
			}
		case "zset":
			sk.ZSet, err = e.srv.SortedSet(k)
		case "stream":
			var entries []miniredis.StreamEntry
			entries, err = e.srv.Stream(k)
			for _, en := range entries {
				sk.Stream = append(sk.Stream, snapshotEntry{ID: en.ID, Values: en.Values})
			}
		default:
			continue // types quita does not use
		}
		if err != nil {
			return fmt.Errorf("snapshot key %s: %w", k, err)
		}
		keys = append(keys, sk)
	}
	tmp, err := os.CreateTemp(e.dir, snapshotFile+".tmp*")
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	zw := gzip.NewWriter(tmp)
	werr := json.NewEncoder(zw).Encode(struct {
		SavedAt time.Time     `json:"saved_at"`
		Keys    []snapshotKey `json:"keys"`
	}{time.Now().UTC(), keys})
	if err := errors.Join(werr, zw.Close(), tmp.Sync(), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write snapshot: %w", err)
	}
	return os.Rename(tmp.Name(), filepath.Join(e.dir, snapshotFile))
}

func (e *Embedded) restore() error {
	f, err := os.Open(filepath.Join(e.dir, snapshotFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("snapshot %s is damaged: %w (move it away to start empty)", f.Name(), err)
	}
	var snap struct {
		Keys []snapshotKey `json:"keys"`
	}
	if err := json.NewDecoder(zr).Decode(&snap); err != nil {
		return fmt.Errorf("snapshot %s is damaged: %w (move it away to start empty)", f.Name(), err)
	}
	for _, sk := range snap.Keys {
		if err := e.restoreKey(sk); err != nil {
			return fmt.Errorf("restore key %s: %w", sk.Key, err)
		}
	}
	return nil
}

func (e *Embedded) restoreKey(sk snapshotKey) error {
	var err error
	switch sk.Type {
	case "string":
		err = e.srv.Set(sk.Key, sk.String)
	case "list":
		_, err = e.srv.RPush(sk.Key, sk.List...)
	case "set":
		_, err = e.srv.SAdd(sk.Key, sk.List...)
	case "hash":
		fv := make([]string, 0, 2*len(sk.Hash))
		for f, v := range sk.Hash {
			fv = append(fv, f, v)
		}
		e.srv.HSet(sk.Key, fv...)
	case "zset":
		for m, s := range sk.ZSet {
			if _, err = e.srv.ZAdd(sk.Key, s, m); err != nil {
				break
			}
		}
	case "stream":
		for _, en := range sk.Stream {
			if _, err = e.srv.XAdd(sk.Key, en.ID, en.Values); err != nil {
				break
			}
		}
	}
	if err == nil && sk.TTLms > 0 {
		e.srv.SetTTL(sk.Key, time.Duration(sk.TTLms)*time.Millisecond)
	}
	return err
}

// SnapshotPath is where the snapshot of a data dir lives (for logs and docs).
func SnapshotPath(dir string) string { return filepath.Join(dir, snapshotFile) }
