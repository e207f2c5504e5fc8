package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/quita-bot/quita/billing"
	"github.com/quita-bot/quita/billing/cnab"
	"github.com/quita-bot/quita/billing/local"
	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

// ProviderCNAB names the payments a CNAB retorno reports, in billing.Apply's
// idempotency keys: nosso número + movement code, so that importing the
// same retorno twice counts each payment once.
const ProviderCNAB = "cnab"

func cnabRetornoMain(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("cnab retorno", flag.ContinueOnError)
	fs.SetOutput(stderr)
	creditor := fs.String("creditor", "", "the creditor the retorno is for (default: the one whose boleto account the file names)")
	cfgPath := fs.String("config", os.Getenv("QUITA_CONFIG"), "the creditor YAML file (default: QUITA_CONFIG)")
	var src opsRedis
	if err := src.addFlags(fs); err != nil {
		return err
	}
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: quita cnab retorno FILE [--creditor ID]\n\n"+
			"Imports a bank's CNAB 240 retorno: 02 entrada confirmada marks the boleto registered (payable),\n"+
			"03 entrada rejeitada marks it rejected with the bank's reason, 06/17 liquidação settles the debt\n"+
			"once (importing the same file again changes nothing), 09/25 baixa cancels it.")
		fs.PrintDefaults()
	}
	path, err := parseWithFile(fs, args)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	ret, err := cnab.ParseRetorno(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s is not a valid CNAB 240 retorno, nothing imported: %w", path, err)
	}
	env, err := openCNABEnv(ctx, *cfgPath, &src, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	cred, err := retornoCreditor(env.dir, ret, *creditor)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc, err := cliBilling(env, log, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "retorno %d of %s (%s, generated %s) for creditor %s: %d movements\n", ret.Sequence,
		payments.BankName(ret.Bank), ret.Bank, ret.GeneratedAt.Format(time.DateOnly), cred, len(ret.Movements))
	b, _, err := cnabAccount(env.dir, cred)
	if err != nil {
		return err
	}
	imp := retornoImport{svc: svc, store: env.store, creditor: cred, account: b.Account, nsa: ret.Sequence, out: stdout}
	for i, m := range ret.Movements {
		if i > 0 && i%200 == 0 {
			fmt.Fprintf(stderr, "\rapplying movements %d/%d", i, len(ret.Movements))
		}
		imp.apply(ctx, m)
	}
	if len(ret.Movements) >= 200 {
		fmt.Fprintln(stderr)
	}
	imp.report()
	if imp.failed > 0 {
		return fmt.Errorf("%d movements could not be applied (see above); import the file again once fixed: what was applied is not applied twice", imp.failed)
	}
	return nil
}

// retornoCreditor is the creditor a retorno is for: the one named, which
// must own the account the file names, or else the only one that does.
func retornoCreditor(dir *config.Directory, ret *cnab.Retorno, named string) (string, error) {
	if named != "" {
		b, _, err := cnabAccount(dir, named)
		if err != nil {
			return "", err
		}
		if why := accountMismatch(b.Account, ret); why != "" {
			return "", fmt.Errorf("this retorno is not for creditor %s: %s; nothing imported", named, why)
		}
		return named, nil
	}
	var found []string
	for _, c := range dir.Creditors() {
		b, _, err := cnabAccount(dir, c.ID)
		if err == nil && accountMismatch(b.Account, ret) == "" {
			found = append(found, c.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no creditor bills locally on bank %s agency %s account %s (the retorno's header): check the file, or the creditor's boleto: section; nothing imported", ret.Bank, ret.Agency, ret.Account)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("creditors %s all use the retorno's account: say which with --creditor ID", strings.Join(found, ", "))
}

// accountMismatch says how a retorno's header differs from an account; "" when it is the account's.
func accountMismatch(a payments.Account, ret *cnab.Retorno) string {
	trim := func(s string) string { return strings.TrimLeft(onlyDigits(s), "0") }
	switch {
	case ret.Bank != a.Bank:
		return fmt.Sprintf("the file is from bank %s, the creditor's account is at %s", ret.Bank, a.Bank)
	case ret.Agency != trim(a.Agency) || ret.Account != trim(a.Account):
		return fmt.Sprintf("the file is for agency %s account %s, the creditor's is agency %s account %s", ret.Agency, ret.Account, a.Agency, a.Account)
	case a.Bank == "001" && a.Convenio != "" && !strings.HasPrefix(strings.TrimLeft(ret.Convenio, "0"), strings.TrimLeft(a.Convenio, "0")):
		return fmt.Sprintf("the file is for convênio %q, the creditor's is %s", strings.TrimSpace(ret.Convenio), a.Convenio)
	case trim(ret.Document) != "" && trim(ret.Document) != trim(a.CNPJ):
		return fmt.Sprintf("the file is for CNPJ %s, the creditor's is %s", ret.Document, a.CNPJ)
	}
	return ""
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// cliBilling is the payment path as `quita serve` builds it, for a command:
// a settled debt stops its reminders and its debtor's thanks is queued on
// the service's Redis, for the running service to send.
func cliBilling(env *cnabEnv, log *slog.Logger, now func() time.Time) (*billing.Service, error) {
	cads, pols, err := reminderParts(env.dir)
	if err != nil {
		return nil, err
	}
	b := bot.New(env.store, dialogsFor(env.dir), env.dir, log, now, bot.Options{})
	for _, name := range serviceChannels(env.cfg) {
		b.AddChannel(queuedChannel{name: name})
	}
	gate := &bot.Compliance{Store: env.store, Log: log, Default: bot.PresetBR, Creditors: pols}
	b.SetGate(gate)
	sched := bot.NewScheduler(b, gate, cads, bot.SchedulerOptions{})
	return &billing.Service{Store: env.store, Providers: providersFor(env.dir, env.store), Settler: bot.Settler{Scheduler: sched}, Now: now, Log: log}, nil
}

// retornoImport applies a retorno's movements and counts what each did.
type retornoImport struct {
	svc      *billing.Service
	store    *storage.Store
	creditor string
	account  payments.Account
	nsa      int64
	out      io.Writer
	counts   map[string]int // movement code → movements
	effect   map[string]int // what changed, by label
	paid     int64
	failed   int
	lines    []string
}

func (imp *retornoImport) note(format string, args ...any) {
	imp.lines = append(imp.lines, fmt.Sprintf(format, args...))
}

func (imp *retornoImport) bump(label string) {
	if imp.effect == nil {
		imp.effect = map[string]int{}
	}
	imp.effect[label]++
}

func (imp *retornoImport) apply(ctx context.Context, m cnab.Movement) {
	if imp.counts == nil {
		imp.counts = map[string]int{}
	}
	imp.counts[m.Code]++
	rec, err := imp.charge(ctx, m.NossoNumero)
	if errors.Is(err, storage.ErrNotFound) {
		imp.bump("not quita's (unknown nosso número)")
		imp.note("  line %d: %s %s: nosso número %s is no boleto of creditor %s; left alone", m.Line, m.Code, m.Name(), m.NossoNumero, imp.creditor)
		return
	}
	if err != nil {
		imp.fail(m, err)
		return
	}
	switch m.Code {
	case cnab.MovEntryConfirmed:
		before := rec.State
		r, err := imp.svc.MarkChargeState(ctx, rec.ChargeID, payments.ChargeRegistered, "")
		if err != nil {
			imp.fail(m, err)
			return
		}
		if before != r.State {
			imp.bump("registered (payable now)")
		} else {
			imp.bump("entry confirmed, already " + r.State)
		}
	case cnab.MovEntryRejected:
		reason := fmt.Sprintf("bank rejected the boleto (CNAB retorno %d, line %d): %s", imp.nsa, m.Line, m.Reason())
		if _, err := imp.svc.Reject(ctx, rec.ChargeID, reason); err != nil {
			imp.fail(m, err)
			return
		}
		imp.bump("rejected")
		imp.note("  line %d: REJECTED boleto %s, debt %s, charge %s: %s", m.Line, m.NossoNumero, rec.DebtID, rec.ChargeID, m.Reason())
	case cnab.MovLiquidated, cnab.MovLiquidatedAfterOff:
		at := m.CreditedOn
		if at.IsZero() {
			at = m.OccurredOn
		}
		res, err := imp.svc.Apply(ctx, payments.Payment{ID: m.NossoNumero + ":" + m.Code, Provider: ProviderCNAB, ChargeID: rec.ChargeID,
			ProviderID: m.NossoNumero, Event: payments.PaymentReceived, AmountCents: m.PaidCents, At: at})
		if err != nil {
			imp.fail(m, err)
			return
		}
		switch {
		case res.Duplicate:
			imp.bump("payment seen before (not counted again)")
		case res.Settled:
			imp.paid += m.PaidCents
			imp.bump("paid, debt settled")
		default:
			imp.paid += m.PaidCents
			imp.bump("paid in part, the rest stays open")
		}
	case cnab.MovWrittenOff, cnab.MovProtestedOff:
		before := rec.State
		r, err := imp.svc.MarkChargeState(ctx, rec.ChargeID, payments.ChargeCancelled, "")
		if err != nil {
			imp.fail(m, err)
			return
		}
		if before != r.State {
			imp.bump("written off (no longer payable)")
		} else {
			imp.bump("write-off, already " + r.State)
		}
		if err := imp.markWrittenOff(ctx, rec.ChargeID); err != nil {
			imp.fail(m, err)
		}
	case cnab.MovBouncedCheque:
		cents := m.PaidCents
		if cents == 0 {
			cents = rec.ReceivedCents
		}
		res, err := imp.svc.Apply(ctx, payments.Payment{ID: m.NossoNumero + ":" + m.Code, Provider: ProviderCNAB, ChargeID: rec.ChargeID,
			ProviderID: m.NossoNumero, Event: payments.PaymentRefunded, AmountCents: cents, At: m.OccurredOn})
		if err != nil {
			imp.fail(m, err)
			return
		}
		if !res.Duplicate {
			imp.bump("payment undone (cheque returned), debt reopened")
		}
	default:
		imp.bump("recorded only: " + m.Code + " " + m.Name())
	}
}

// charge finds the creditor's local boleto a movement names: the bank's
// nosso número is the creditor's convênio followed by the boleto's sequence,
// which is the local provider's id for it.
func (imp *retornoImport) charge(ctx context.Context, nn string) (storage.ChargeRecord, error) {
	conv := strings.TrimSpace(imp.account.Convenio)
	if len(nn) != 17 || !strings.HasPrefix(nn, conv) || strings.Trim(nn, "0123456789") != "" {
		return storage.ChargeRecord{}, fmt.Errorf("nosso número %s is not convênio %s's: %w", nn, conv, storage.ErrNotFound)
	}
	seq := strings.TrimLeft(nn[len(conv):], "0")
	rec, err := imp.store.CreditorChargeByProviderID(ctx, imp.creditor, local.Name, seq)
	if errors.Is(err, storage.ErrNotFound) { // a boleto saved before the creditor index existed
		rec, err = imp.store.ChargeByProviderID(ctx, local.Name, seq)
		if err == nil && rec.CreditorID != imp.creditor {
			return rec, fmt.Errorf("nosso número %s: %w", nn, storage.ErrNotFound)
		}
	}
	return rec, err
}

// markWrittenOff records that the bank itself wrote a boleto off, so that
// no remessa asks for its baixa again.
func (imp *retornoImport) markWrittenOff(ctx context.Context, chargeID string) error {
	rec, err := imp.store.Charge(ctx, chargeID)
	if err != nil || rec.WrittenOff {
		return err
	}
	unlock, err := imp.store.LockDebtCharges(ctx, rec.DebtID, 30*time.Second)
	if err != nil {
		return err
	}
	defer unlock()
	if rec, err = imp.store.Charge(ctx, chargeID); err != nil {
		return err
	}
	rec.WrittenOff = true
	return imp.store.SaveCharge(ctx, rec)
}

func (imp *retornoImport) fail(m cnab.Movement, err error) {
	imp.failed++
	imp.note("  line %d: %s %s for nosso número %s NOT applied: %v", m.Line, m.Code, m.Name(), m.NossoNumero, err)
}

func (imp *retornoImport) report() {
	codes := make([]string, 0, len(imp.counts))
	for c := range imp.counts {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(imp.out, "  %s %s: %d\n", c, cnab.MovementName(c), imp.counts[c])
	}
	labels := make([]string, 0, len(imp.effect))
	for l := range imp.effect {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		fmt.Fprintf(imp.out, "  → %s: %d\n", l, imp.effect[l])
	}
	if imp.paid > 0 {
		fmt.Fprintf(imp.out, "  → received: %s\n", payments.FormatBRL(imp.paid))
	}
	for _, l := range imp.lines {
		fmt.Fprintln(imp.out, l)
	}
}
