package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/console"
	"github.com/quita-bot/quita/storage"
)

func init() {
	register(command{name: "agents", summary: "manage console accounts: agents add | list", run: runAgents})
}

const agentsUsage = `Usage:
  quita agents add --email ana@example.com --role agent|admin [--name "Ana"] [--password …]
  quita agents list

The password comes from --password, else QUITA_AGENT_PASSWORD, else a prompt.
"add" prints the account's personal API token once (Authorization: Bearer …).

Storage: with REDIS_URL the accounts go to that Redis. Without it (embedded
mode) they go to the embedded Redis of the 'quita serve' running on the same
QUITA_DATA_DIR, or, when none runs, straight into that data dir's snapshot,
which the next 'quita serve' loads. You can also set QUITA_BOOTSTRAP_ADMIN=
email:password for serve, or use POST /api/v1/agents with QUITA_ADMIN_TOKEN.`

func runAgents(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(os.Stderr, agentsUsage)
		if len(args) == 0 {
			return errors.New("name a subcommand: add or list")
		}
		return nil
	}
	switch args[0] {
	case "add":
		return agentsAdd(ctx, args[1:], os.Stdin, os.Stdout)
	case "list":
		return withAgentStore(ctx, os.Stderr, func(st *storage.Store) error {
			list, err := st.Agents(ctx)
			if err != nil {
				return err
			}
			for _, a := range list {
				fmt.Printf("%-32s %-6s %s\n", a.Email, a.Role, a.Name)
			}
			return nil
		})
	}
	return fmt.Errorf("unknown subcommand %q: use add or list", args[0])
}

func agentsAdd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("agents add", flag.ContinueOnError)
	email := fs.String("email", "", "the account's e-mail (login)")
	role := fs.String("role", "agent", "agent or admin")
	name := fs.String("name", "", "display name")
	password := fs.String("password", "", "password (prefer QUITA_AGENT_PASSWORD or the prompt: flags show in ps)")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), agentsUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("--email is required")
	}
	pw := *password
	if pw == "" {
		pw = os.Getenv("QUITA_AGENT_PASSWORD")
	}
	if pw == "" {
		var err error
		if pw, err = promptPassword(stdin); err != nil {
			return err
		}
	}
	return withAgentStore(ctx, os.Stderr, func(st *storage.Store) error {
		token, err := console.CreateAgent(ctx, st, console.NewAgent{Email: *email, Name: *name, Role: *role, Password: pw})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s (%s)\nAPI token (shown only now): %s\n", strings.ToLower(*email), *role, token)
		return nil
	})
}

func promptPassword(stdin io.Reader) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(os.Stderr, "Password (8+ characters): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password: use --password, QUITA_AGENT_PASSWORD or type it at the prompt")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// withAgentStore runs f on the configured Redis (see agentsUsage).
func withAgentStore(ctx context.Context, log io.Writer, f func(*storage.Store) error) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	url := cfg.RedisURL
	if cfg.Embedded() {
		if b, err := os.ReadFile(filepath.Join(cfg.DataDir, embeddedURLFile)); err == nil {
			url = strings.TrimSpace(string(b))
			fmt.Fprintf(log, "embedded mode: using the running quita serve's Redis (%s)\n", filepath.Join(cfg.DataDir, embeddedURLFile))
		}
	}
	if url == "" {
		e, err := storage.StartEmbedded(cfg.DataDir)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "embedded mode: no quita serve is running on %s; writing to its snapshot %s\n", cfg.DataDir, storage.SnapshotPath(cfg.DataDir))
		rdb, err := storage.Connect(ctx, e.URL())
		if err != nil {
			e.Close()
			return err
		}
		ferr := f(storage.New(rdb, cfg.RedisPrefix))
		rdb.Close()
		return errors.Join(ferr, e.Close())
	}
	rdb, err := storage.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer rdb.Close()
	return f(storage.New(rdb, cfg.RedisPrefix))
}
