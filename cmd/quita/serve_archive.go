package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/quita-bot/quita/console"
	"github.com/quita-bot/quita/storage/archive"
)

func init() { mounts = append(mounts, mountArchive) }

// mountArchive opens the archive (PostgreSQL at QUITA_ARCHIVE_URL, or
// SQLite in the data dir), applies its migrations, turns the pipeline's
// archive outbox on and runs an archiver beside the pipeline.
func mountArchive(ctx context.Context, s *service) error {
	h, err := subjectHasher(s.cfg)
	if err != nil {
		return err
	}
	s.store.SetSubjectHasher(h) // the gate refuses erased subjects' opted-out numbers by their hash
	s.subjects = &archive.Subjects{Store: s.store, Hasher: h}
	if h.Hash("x") == "" {
		s.log.Warn("QUITA_SUBJECT_HASH_KEY is not set: data-subject erasure is unavailable (README.md#data-subject-rights)")
	}
	if !s.cfg.Archive {
		s.log.Warn("QUITA_ARCHIVE=off: no archive; history lives only in Redis")
		return nil
	}
	db, applied, err := openArchive(ctx, s.cfg)
	if err != nil {
		return err
	}
	s.archive, s.subjects.DB = db, db
	s.store.SetArchiving(true)
	s.store.SetColdHistory(db) // transcripts read their trimmed part from the archive
	trimmer := &archive.Trimmer{Store: s.store, DB: db, HotDays: s.cfg.HotDays, Log: s.log}
	host, _ := os.Hostname()
	a := &archive.Archiver{Store: s.store, Sink: db, Log: s.log, Consumer: fmt.Sprintf("%s-%d", host, os.Getpid())}
	done := make(chan struct{})
	var started atomic.Bool
	s.starters = append(s.starters, func(ctx context.Context) error {
		started.Store(true)
		go func() {
			defer close(done)
			go trimmer.Run(ctx, time.Hour)
			if err := a.Run(ctx); err != nil {
				s.log.Error("archiver stopped", "err", err)
			}
		}()
		return nil
	})
	s.closers = append(s.closers, func() error {
		if started.Load() { // the pipeline's context ended first: the archiver ends its pass
			<-done
		}
		return db.Close()
	})
	s.log.Info("archive ready", "archive", db.String(), "migrations_applied", len(applied))
	return nil
}

// subjectsAPI is the console's data-subject API over the service's Subjects.
type subjectsAPI struct{ s *service }

func (a subjectsAPI) Export(ctx context.Context, cpf, actor string) (any, error) {
	doc, err := a.s.subjects.Export(ctx, cpf, actor)
	return doc, consoleSubjectErr(err)
}

func (a subjectsAPI) Erase(ctx context.Context, cpf, actor string) (any, error) {
	doc, err := a.s.subjects.Erase(ctx, cpf, actor)
	return doc, consoleSubjectErr(err)
}

func consoleSubjectErr(err error) error {
	if errors.Is(err, archive.ErrNoSubject) {
		return console.ErrNoSubject
	}
	return err
}
