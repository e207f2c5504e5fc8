package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
)

func init() {
	register(command{name: "subject", summary: "data-subject rights (LGPD art. 18): subject export | erase", run: runSubject})
}

const subjectUsage = `Usage:
  quita subject export --cpf CPF [--out FILE]
      Everything quita holds about the person with this CPF (Redis and the
      archive: debtor, debts, payments, agreements, transcripts, opt-outs,
      consents, handoffs, gate decisions) as one JSON document, to stdout or
      FILE (created readable only by you). The export is audited.
  quita subject erase --cpf CPF --yes
      Anonymise the person in Redis and the archive: names, phones, CPF,
      e-mail and message texts replaced or hashed; debts, payments and
      agreements kept for the retention period; opt-outs kept as a keyed
      hash of the number (QUITA_SUBJECT_HASH_KEY) so it is never contacted
      again. Audited. Cannot be undone.

Both take --redis URL and --prefix, and --actor (who asked; default cli:$USER).
See README.md#data-subject-rights.`

func runSubject(ctx context.Context, args []string) error {
	return subjectMain(ctx, args, os.Stdout, os.Stderr)
}

func subjectMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, subjectUsage)
		if len(args) == 0 {
			return errors.New("name a subcommand: export or erase")
		}
		return nil
	}
	sub := args[0]
	if sub != "export" && sub != "erase" {
		fmt.Fprintln(stderr, subjectUsage)
		return fmt.Errorf("unknown subcommand %q: export or erase", sub)
	}
	fs := flag.NewFlagSet("subject "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), subjectUsage); fs.PrintDefaults() }
	var src opsRedis
	if err := src.addFlags(fs); err != nil {
		return err
	}
	cpf := fs.String("cpf", "", "the person's CPF (digits, dots and dash allowed)")
	out := fs.String("out", "", "export: write to this new file instead of stdout")
	yes := fs.Bool("yes", false, "erase: confirm (the erasure cannot be undone)")
	actor := fs.String("actor", "cli:"+currentUser(), "who asked, for the audit record")
	if help, err := parseFlags(fs, args[1:]); help || err != nil {
		return err
	}
	if *cpf == "" {
		return errors.New("--cpf is required")
	}
	if sub == "erase" && !*yes {
		return errors.New("erasing a person cannot be undone: add --yes")
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	rdb, err := src.connect(ctx, stderr)
	if err != nil {
		return err
	}
	defer rdb.Close()
	st := storage.New(rdb, src.prefix)
	subjects, closeDB, err := newSubjects(ctx, cfg, st)
	if err != nil {
		return err
	}
	defer closeDB()
	var doc any
	if sub == "export" {
		doc, err = subjects.Export(ctx, *cpf, *actor)
	} else {
		doc, err = subjects.Erase(ctx, *cpf, *actor)
	}
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("export file: %w", err)
		}
		defer f.Close()
		w = f
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// newSubjects is the data-subject service over st and the configured
// archive (none with QUITA_ARCHIVE=off); close closes the archive.
func newSubjects(ctx context.Context, cfg config.Config, st *storage.Store) (*archive.Subjects, func(), error) {
	h, err := subjectHasher(cfg)
	if err != nil {
		return nil, nil, err
	}
	st.SetSubjectHasher(h)
	s := &archive.Subjects{Store: st, Hasher: h}
	if !cfg.Archive {
		return s, func() {}, nil
	}
	db, _, err := openArchive(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	s.DB = db
	return s, func() { db.Close() }, nil
}

// subjectKeyFile keeps the embedded mode's generated subject hash key.
const subjectKeyFile = "subject-hash.key"

// subjectHasher is QUITA_SUBJECT_HASH_KEY's hasher; in embedded mode
// without it, a random key kept in the data dir; otherwise none (erasure
// refused, hashed opt-outs not checked).
func subjectHasher(cfg config.Config) (storage.SubjectHasher, error) {
	if cfg.SubjectHashKey != "" {
		return storage.NewSubjectHasher([]byte(cfg.SubjectHashKey))
	}
	if !cfg.Embedded() {
		return storage.SubjectHasher{}, nil
	}
	path := filepath.Join(cfg.DataDir, subjectKeyFile)
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return storage.NewSubjectHasher(b)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return storage.SubjectHasher{}, err
	}
	key := []byte(hex.EncodeToString(buf))
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return storage.SubjectHasher{}, err
	}
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return storage.SubjectHasher{}, fmt.Errorf("write %s: %w", path, err)
	}
	return storage.NewSubjectHasher(key)
}
