package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/whatsappcloud"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/templates"
)

func init() { mounts = append(mounts, mountWhatsAppTemplates) }

// templateProviders says which WhatsApp providers are on and which one a
// cadence's "whatsapp" means, from the settings as quita serve reads them.
type templateProviders struct {
	whatsapp      string // what "whatsapp" in a cadence resolves to ("" when none is on)
	cloud, twilio bool   // the Cloud API, Twilio's WhatsApp sender (the two that need templates)
}

func providersOf(cfg config.Config) templateProviders {
	p := templateProviders{cloud: cfg.CloudToken != "", twilio: cfg.TwilioAccountSID != "" && cfg.TwilioWhatsAppFrom != ""}
	switch { // bot's order for "whatsapp": whatsmeow, then the Cloud API, then Twilio
	case cfg.WhatsApp:
		p.whatsapp = channels.WhatsApp
	case p.cloud:
		p.whatsapp = channels.WhatsAppCloud
	case p.twilio:
		p.whatsapp = channels.TwilioWhatsApp
	}
	return p
}

// templateNeeds lists the catalog keys a creditor's cadence can send by a
// WhatsApp provider that needs templates, and which providers those are.
func templateNeeds(cad bot.Cadence, p templateProviders) (templates.Needs, error) {
	var needs templates.Needs
	templated := func(order []string) bool {
		for _, c := range order {
			if c == "whatsapp" {
				c = p.whatsapp
			}
			switch {
			case c == channels.WhatsAppCloud && p.cloud:
				needs.CloudAPI = true
				return true
			case c == channels.TwilioWhatsApp && p.twilio:
				needs.Twilio = true
				return true
			}
		}
		return false
	}
	add := func(step string, variants []string) error {
		keys, err := dialogs.ReminderKeys(step, variants)
		needs.Keys = append(needs.Keys, keys...)
		return err
	}
	for _, s := range cad.Steps {
		if templated(s.Channels) {
			if err := add(s.ID, s.Variants); err != nil {
				return needs, err
			}
		}
	}
	// promises and installments go by the first step's order
	first := len(cad.Steps) > 0 && templated(cad.Steps[0].Channels)
	if first {
		if err := add("promise", nil); err != nil {
			return needs, err
		}
	}
	// payment thanks go by "whatsapp", the nudge and the hand-back by the conversation's channel
	if templated([]string{"whatsapp"}) || first {
		needs.Keys = append(needs.Keys, dialogs.OpeningKeys()...)
	}
	slices.Sort(needs.Keys)
	needs.Keys = slices.Compact(needs.Keys)
	return needs, nil
}

// whatsAppTemplateProblems checks every creditor's whatsapp_templates:
// each entry against Meta's rules and the catalog, and that every key the
// creditor's cadence can send by the Cloud API or Twilio's WhatsApp sender
// (as cfg turns them on) has a template. quita serve refuses to start on a
// problem that is not a warning; quita config check prints them all.
func whatsAppTemplateProblems(dir *config.Directory, cfg config.Config) ([]templates.Problem, error) {
	cads, _, err := reminderParts(dir)
	if err != nil {
		return nil, err
	}
	p := providersOf(cfg)
	var out []templates.Problem
	for _, c := range dir.Creditors() {
		m, err := templates.Parse(c.WhatsAppTemplates)
		if err != nil {
			out = append(out, templates.Problem{Creditor: c.ID, Message: err.Error()})
			continue
		}
		needs, err := templateNeeds(cads[c.ID], p)
		if err != nil {
			return nil, fmt.Errorf("QUITA_CONFIG: creditor %q: %w", c.ID, err)
		}
		out = append(out, templates.Check(c.Creditor, m, needs)...)
	}
	return out, nil
}

// templateStatusRefresh is how often a running serve rereads the review
// statuses sync saved.
const templateStatusRefresh = 5 * time.Minute

// mountWhatsAppTemplates checks the templates (refusing to start on an
// error), gives the bot the book it sends them from, and keeps the book
// told of templates Meta rejected or paused.
func mountWhatsAppTemplates(ctx context.Context, s *service) error {
	problems, err := whatsAppTemplateProblems(s.dir, s.cfg)
	if err != nil {
		return err
	}
	var errs []string
	for _, p := range problems {
		if p.Warning {
			s.log.Warn(p.String())
		} else {
			errs = append(errs, p.String())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("QUITA_CONFIG: %d whatsapp_templates problems:\n  %s", len(errs), strings.Join(errs, "\n  "))
	}
	book := templates.NewBook()
	for _, c := range s.dir.Creditors() {
		m, _ := templates.Parse(c.WhatsAppTemplates) // checked above
		book.Add(c.Creditor, m)
	}
	if err := applyTemplateStatuses(ctx, s.store, book); err != nil {
		return err
	}
	s.bot.SetTemplates(book)
	s.starters = append(s.starters, func(ctx context.Context) error {
		go func() {
			t := time.NewTicker(templateStatusRefresh)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if err := applyTemplateStatuses(ctx, s.store, book); err != nil && ctx.Err() == nil {
						s.log.Warn("could not reread the WhatsApp template statuses", "err", err)
					}
				}
			}
		}()
		return nil
	})
	return nil
}

// applyTemplateStatuses tells the book what sync last saw at Meta.
func applyTemplateStatuses(ctx context.Context, st *storage.Store, book *templates.Book) error {
	rows, err := st.TemplateStatuses(ctx)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Status != "" {
			book.SetStatus(r.Name, r.Code, r.Status)
		}
	}
	return nil
}

const templatesUsage = `Usage:
  quita whatsapp templates export --creditor ID [--config FILE] [--out FILE]
      Write the templates to submit to Meta for a creditor: every message its
      cadence can send unasked, each translation's body from quita's catalog
      with {{1}}… placeholders and a sample for each, as JSON bodies of
      POST /{waba-id}/message_templates. Keys without a whatsapp_templates
      entry get the name <creditor>_<key> and category UTILITY.
  quita whatsapp templates sync --creditor ID [--config FILE] [--dry-run] [--redis URL] [--prefix P]
      Submit the ones Meta does not have yet (WHATSAPP_CLOUD_TOKEN,
      WHATSAPP_CLOUD_WABA_ID) and show each one's review status; the
      statuses are saved for quita status and for quita serve, which sends
      no template Meta rejected or paused.`

func runWhatsAppTemplates(ctx context.Context, args []string) error {
	return templatesMain(ctx, args, os.Stdout, os.Stderr)
}

func templatesMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, templatesUsage)
		return nil
	}
	sub := args[0]
	if sub != "export" && sub != "sync" {
		fmt.Fprintln(stderr, templatesUsage)
		return fmt.Errorf("unknown subcommand %q", sub)
	}
	fs := flag.NewFlagSet("whatsapp templates "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), templatesUsage); fs.PrintDefaults() }
	creditor := fs.String("creditor", "", "the creditor's id in the config file")
	file := fs.String("config", os.Getenv("QUITA_CONFIG"), "creditor YAML file (default $QUITA_CONFIG; empty: the demo creditor)")
	out := fs.String("out", "", "export: write the JSON here instead of stdout")
	dry := fs.Bool("dry-run", false, "sync: submit nothing, only show the statuses")
	var src opsRedis
	if sub == "sync" {
		if err := src.addFlags(fs); err != nil {
			return err
		}
	}
	if help, err := parseFlags(fs, args[1:]); help || err != nil {
		return err
	}
	subs, cr, err := templateSubmissions(*file, *creditor, stderr)
	if err != nil {
		return err
	}
	if sub == "export" {
		return exportTemplates(subs, *out, stdout)
	}
	return syncTemplates(ctx, cr, subs, *dry, &src, stdout, stderr)
}

// templateSubmissions is what export writes for a creditor: the keys its
// cadence can send by WhatsApp (read as the Cloud API) and its entries.
func templateSubmissions(file, creditor string, stderr io.Writer) ([]templates.Submission, dialogs.Creditor, error) {
	if creditor == "" {
		return nil, dialogs.Creditor{}, errors.New("--creditor is required: the id of a creditor in the config file")
	}
	f, err := config.LoadFile(file)
	if err != nil {
		return nil, dialogs.Creditor{}, err
	}
	dir := config.NewDirectory(f)
	c, ok := dir.Section(creditor)
	if !ok {
		ids := make([]string, 0, len(f.Creditors))
		for _, c := range f.Creditors {
			ids = append(ids, c.ID)
		}
		return nil, dialogs.Creditor{}, fmt.Errorf("no creditor %q in the config file (it has %s)", creditor, strings.Join(ids, ", "))
	}
	cads, _, err := reminderParts(dir)
	if err != nil {
		return nil, dialogs.Creditor{}, err
	}
	needs, err := templateNeeds(cads[c.ID], templateProviders{whatsapp: channels.WhatsAppCloud, cloud: true})
	if err != nil {
		return nil, dialogs.Creditor{}, err
	}
	m, err := templates.Parse(c.WhatsAppTemplates)
	if err != nil {
		return nil, dialogs.Creditor{}, fmt.Errorf("creditor %s: %w", c.ID, err)
	}
	subs, problems := templates.Export(c.Creditor, m, needs.Keys)
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	if len(problems) > 0 {
		return nil, dialogs.Creditor{}, fmt.Errorf("%d whatsapp_templates problems: fix them first (quita config check lists them all)", len(problems))
	}
	return subs, c.Creditor, nil
}

func exportTemplates(subs []templates.Submission, out string, stdout io.Writer) error {
	reqs := make([]templates.CreateRequest, len(subs))
	for i, s := range subs {
		reqs[i] = s.Request
	}
	b, err := json.MarshalIndent(reqs, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if out == "" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

// syncTemplates submits what Meta lacks, prints every translation's
// status and saves them. A rejected or paused template is reported and
// blocks nothing else.
func syncTemplates(ctx context.Context, cr dialogs.Creditor, subs []templates.Submission, dry bool, src *opsRedis, stdout, stderr io.Writer) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	api, err := whatsappcloud.NewTemplateAPI(cfg.CloudToken, cfg.CloudAPIURL, cfg.CloudWABAID)
	if err != nil {
		return err
	}
	have, err := api.List(ctx)
	if err != nil {
		return err
	}
	create, rows := templates.Plan(subs, have)
	var failed []error
	for _, s := range create {
		if dry {
			continue
		}
		c, err := api.Create(ctx, s.Request)
		i := slices.IndexFunc(rows, func(r templates.Row) bool { return r.Key == s.Key && r.Language == s.Language })
		if err != nil {
			failed = append(failed, err)
			rows[i].Problem = err.Error()
			continue
		}
		rows[i].Status, rows[i].Category, rows[i].Created = c.Status, c.Category, true
	}
	printTemplateRows(stdout, cr.ID, rows, dry)
	if !dry {
		if err := saveTemplateRows(ctx, src, cr.ID, rows, stderr); err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}

func printTemplateRows(w io.Writer, creditor string, rows []templates.Row, dry bool) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tLANGUAGE\tNAME\tSTATUS\tNOTE")
	problems := 0
	for _, r := range rows {
		status, note := r.Status, r.Problem
		switch {
		case status == "" && dry:
			status, note = "-", "not at Meta: sync without --dry-run submits it"
		case status == "":
			status = "-"
		case r.Created && note == "":
			note = "submitted now"
		}
		if r.Problem != "" {
			problems++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Key, r.Code, r.Name, status, note)
	}
	tw.Flush()
	if problems > 0 {
		fmt.Fprintf(w, "\n%s: %d templates need you; their messages go by the fallback, nothing else is held\n", creditor, problems)
	}
}

func saveTemplateRows(ctx context.Context, src *opsRedis, creditor string, rows []templates.Row, stderr io.Writer) error {
	rdb, err := src.connect(ctx, stderr)
	if err != nil {
		return fmt.Errorf("statuses not saved for quita status: %w", err)
	}
	defer rdb.Close()
	now := time.Now().UTC()
	out := make([]storage.TemplateStatus, len(rows))
	for i, r := range rows {
		out[i] = storage.TemplateStatus{Key: r.Key, Language: r.Language, Name: r.Name, Code: r.Code, Status: r.Status,
			Category: r.Category, Problem: r.Problem, At: now}
	}
	return storage.New(rdb, src.prefix).SaveTemplateStatuses(ctx, creditor, out)
}
