package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quita-bot/quita/billing/cnab"
	"github.com/quita-bot/quita/billing/local"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

func init() {
	register(command{name: "cnab", summary: "CNAB 240 for local boletos: cnab remessa --creditor ID --out FILE | cnab retorno FILE", run: runCNAB})
}

const cnabUsage = "usage: quita cnab remessa --creditor ID --out FILE | quita cnab retorno FILE [--creditor ID]"

func runCNAB(ctx context.Context, args []string) error {
	return cnabMain(ctx, args, os.Stdout, os.Stderr, time.Now)
}

func cnabMain(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) error {
	if len(args) == 0 || (args[0] != "remessa" && args[0] != "retorno") {
		return errors.New(cnabUsage)
	}
	if args[0] == "remessa" {
		return cnabRemessaMain(ctx, args[1:], stdout, stderr, now)
	}
	return cnabRetornoMain(ctx, args[1:], stdout, stderr, now)
}

// cnabEnv is what both subcommands read: the creditor file and the
// service's Redis, as `quita serve` is configured.
type cnabEnv struct {
	cfg   config.Config
	dir   *config.Directory
	tz    *time.Location
	store *storage.Store
	close func() error
}

func openCNABEnv(ctx context.Context, cfgPath string, src *opsRedis, stderr io.Writer) (*cnabEnv, error) {
	file, err := config.LoadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	tz, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return nil, fmt.Errorf("QUITA_TIMEZONE: %w", err)
	}
	rdb, err := src.connect(ctx, stderr)
	if err != nil {
		return nil, err
	}
	return &cnabEnv{cfg: cfg, dir: config.NewDirectory(file), tz: tz, store: storage.New(rdb, src.prefix), close: rdb.Close}, nil
}

// cnabAccount is a creditor's boleto account when it bills locally, with
// its bank's CNAB variant; an error says what to fix otherwise.
func cnabAccount(dir *config.Directory, creditor string) (config.Billing, cnab.Bank, error) {
	if _, ok := dir.Creditor(creditor); !ok {
		return config.Billing{}, cnab.Bank{}, fmt.Errorf("unknown creditor %q: it is not in the creditor file", creditor)
	}
	bp, err := dir.BillingProvider(creditor)
	if err != nil {
		return config.Billing{}, cnab.Bank{}, err
	}
	if bp.IssuesBoletos() {
		return config.Billing{}, cnab.Bank{}, fmt.Errorf("creditor %s bills through %s, which registers its boletos itself: there is no remessa to send", creditor, bp.Provider)
	}
	b, err := dir.Billing(creditor)
	if err != nil {
		return b, cnab.Bank{}, err
	}
	if b.BoletoProblem != "" {
		return b, cnab.Bank{}, fmt.Errorf("creditor %s cannot issue boletos: %s", creditor, b.BoletoProblem)
	}
	bank, err := cnab.BankFor(b.Account.Bank)
	return b, bank, err
}

// cnabProblems warns, for each creditor whose boletos are computed here,
// when `quita cnab remessa` could not register them: without a remessa
// its boletos are never payable.
func cnabProblems(dir *config.Directory) []config.Problem {
	var out []config.Problem
	for _, c := range dir.Creditors() {
		bp, err := dir.BillingProvider(c.ID)
		if err != nil || bp.IssuesBoletos() {
			continue
		}
		b, err := dir.Billing(c.ID)
		if err != nil || b.BoletoProblem != "" {
			continue
		}
		bank, err := cnab.BankFor(b.Account.Bank)
		if err == nil {
			err = cnab.CheckBeneficiary(bank, beneficiaryOf(b.Account))
		}
		if err != nil {
			out = append(out, config.Problem{Creditor: c.ID, Severity: config.SevWarn,
				Text: "boletos cannot be registered by `quita cnab remessa`, so none is ever payable: " + strings.ReplaceAll(err.Error(), "\n", "; ")})
		}
	}
	return out
}

func beneficiaryOf(a payments.Account) cnab.Beneficiary {
	return cnab.Beneficiary{Name: a.BeneficiaryName, Document: a.CNPJ, Agency: a.Agency, AgencyDigit: a.AgencyDigit,
		Account: a.Account, AccountDigit: a.AccountDigit, Convenio: a.Convenio, Carteira: a.Carteira, Variacao: a.Variacao}
}

func cnabRemessaMain(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("cnab remessa", flag.ContinueOnError)
	fs.SetOutput(stderr)
	creditor := fs.String("creditor", "", "the creditor whose unsent local boletos to register (required)")
	out := fs.String("out", "", "the remessa file to write (required; an existing file is never overwritten)")
	cfgPath := fs.String("config", os.Getenv("QUITA_CONFIG"), "the creditor YAML file (default: QUITA_CONFIG)")
	var src opsRedis
	if err := src.addFlags(fs); err != nil {
		return err
	}
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: quita cnab remessa --creditor ID --out FILE\n\n"+
			"Writes a CNAB 240 remessa (FEBRABAN v10.11, Banco do Brasil's variant) registering the creditor's\n"+
			"boletos that no remessa has carried yet, and marks them with the remessa's number. They stay\n"+
			"\"not yet registered\" (the bank refuses them) until `quita cnab retorno` imports the bank's confirmation.")
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *creditor == "" || *out == "" {
		fs.Usage()
		return errors.New("say which creditor and where to write: --creditor ID --out FILE")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: a remessa is never overwritten (the bank may already have it); choose another --out", *out)
	}
	env, err := openCNABEnv(ctx, *cfgPath, &src, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	b, bank, err := cnabAccount(env.dir, *creditor)
	if err != nil {
		return err
	}
	ben := beneficiaryOf(b.Account)
	// One remessa at a time per creditor: two runs at once would both carry
	// the boletos waiting, and the bank refuses the second entry.
	lock, token := "cnab-remessa:"+*creditor, storage.NewID()
	if ok, err := env.store.TryLock(ctx, lock, token, 10*time.Minute); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("creditor %s: another quita cnab remessa is running; wait for it to finish and run again", *creditor)
	}
	defer env.store.Unlock(context.WithoutCancel(ctx), lock, token)
	recs, err := env.store.UnsentLocalCharges(ctx, *creditor)
	if err != nil {
		return err
	}
	offs, err := env.store.WriteOffLocalCharges(ctx, *creditor)
	if err != nil {
		return err
	}
	if len(recs)+len(offs) == 0 {
		fmt.Fprintf(stdout, "creditor %s: no boleto waits for a remessa; nothing written\n", *creditor)
		return nil
	}
	var titles []cnab.Title
	var sent []storage.ChargeRecord
	var held []string
	var entries, writeOffs int
	var entryCents int64
	all := append(recs, offs...)
	for i, rec := range all {
		if i > 0 && i%500 == 0 {
			fmt.Fprintf(stderr, "\rreading boletos %d/%d", i, len(all))
		}
		writeOff := i >= len(recs)
		if rec.Provider != local.Name || (!writeOff && rec.State != payments.ChargeUnregistered) {
			continue
		}
		t, err := titleOf(ctx, env.store, b, rec, env.tz)
		if writeOff {
			t.Movement = cnab.MovRemessaWriteOff
		}
		if err == nil {
			err = cnab.CheckTitle(bank, ben, t)
		}
		if err != nil {
			what := "held back"
			if writeOff {
				what = "write-off held back"
			}
			held = append(held, fmt.Sprintf("  %s: charge %s (debt %s, nosso número %s): %s", what, rec.ChargeID, rec.DebtID, t.NossoNumero,
				strings.ReplaceAll(err.Error(), "\n", "; ")))
			continue
		}
		titles, sent = append(titles, t), append(sent, rec)
		if writeOff {
			writeOffs++
		} else {
			entries++
			entryCents += t.AmountCents
		}
	}
	if len(all) >= 500 {
		fmt.Fprintln(stderr)
	}
	for _, h := range held {
		fmt.Fprintln(stdout, h)
	}
	if len(titles) == 0 {
		return fmt.Errorf("creditor %s: none of the %d boletos waiting can go in a remessa (see above); nothing written", *creditor, len(all))
	}
	seq, err := env.store.NextRemessa(ctx, *creditor)
	if err != nil {
		return err
	}
	rem := cnab.Remessa{Bank: bank, Beneficiary: ben, Sequence: seq, GeneratedAt: now().In(env.tz), Titles: titles}
	sum, err := writeRemessa(*out, rem)
	if err != nil {
		return err
	}
	// Marked only once the file is safely written: a failure here leaves a
	// boleto to be carried again, which the bank answers with "entrada
	// para título já cadastrado" rather than a boleto never registered.
	for i, rec := range sent {
		if i > 0 && i%500 == 0 {
			fmt.Fprintf(stderr, "\rmarking boletos %d/%d", i, len(sent))
		}
		if titles[i].Movement == cnab.MovRemessaWriteOff {
			rec.WriteOffRemessa = seq
		} else {
			rec.Remessa = seq
		}
		rec.UpdatedAt = now().UTC()
		if err := env.store.SaveCharge(ctx, rec); err != nil {
			return fmt.Errorf("remessa %d written to %s, but marking charge %s failed (it will be carried again by the next remessa): %w", seq, *out, rec.ChargeID, err)
		}
	}
	fmt.Fprintf(stdout, "remessa %d for creditor %s (%s, layout %s/%s) written to %s: %d boletos to register, %s; %d superseded boletos to write off (baixa); %d records\n",
		seq, *creditor, payments.BankName(bank.Code), bank.FileVersion, bank.BatchVersion, *out, entries, payments.FormatBRL(entryCents), writeOffs, sum.Records)
	if len(held) > 0 {
		fmt.Fprintf(stdout, "%d boletos held back (listed above): fix them and run the remessa again\n", len(held))
	}
	fmt.Fprintln(stdout, "Send the file to the bank. These boletos are NOT payable until the bank confirms their entry: import its retorno with `quita cnab retorno FILE`.")
	return nil
}

// writeRemessa writes the file through a temporary one in the same
// directory, so that an interrupted run never leaves half a remessa.
func writeRemessa(path string, rem cnab.Remessa) (cnab.Summary, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".remessa-*")
	if err != nil {
		return cnab.Summary{}, err
	}
	defer os.Remove(tmp.Name())
	sum, err := rem.Write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return cnab.Summary{}, err
	}
	if err := os.Link(tmp.Name(), path); err != nil { // fails, rather than replaces, when path appeared meanwhile
		return cnab.Summary{}, fmt.Errorf("write %s: %w", path, err)
	}
	return sum, nil
}

// titleOf is the remessa title of a local boleto: its nosso número and
// amounts, the debt's invoice as número do documento, and the debtor as
// payer, with the creditor's fine and interest.
func titleOf(ctx context.Context, st *storage.Store, b config.Billing, rec storage.ChargeRecord, tz *time.Location) (cnab.Title, error) {
	debt, err := st.Debt(ctx, rec.DebtID)
	if err != nil {
		return cnab.Title{}, fmt.Errorf("debt: %w", err)
	}
	debtor, err := st.Debtor(ctx, debt.DebtorID)
	if err != nil {
		return cnab.Title{}, fmt.Errorf("debtor: %w", err)
	}
	payer := cnab.Payer{Name: debtor.Name, Document: debtor.CPF}
	if a := debtor.Address; a != nil {
		payer.Address, payer.District, payer.CEP, payer.City, payer.State = a.Street, a.District, a.CEP, a.City, a.State
	} else {
		return cnab.Title{}, errors.New("the debtor has no postal address, which the bank requires (segment Q 11.3Q–16.3Q, FEBRABAN motive 47): add it to the debtor")
	}
	return cnab.Title{
		NossoNumero: bankNossoNumero(b.Account, rec.ProviderID), Document: debt.Invoice, CompanyRef: companyRef(rec.ChargeID),
		IssuedOn: rec.CreatedAt.In(tz), DueDate: rec.DueDate, AmountCents: rec.AmountCents,
		FinePercent: b.Policy.FinePercent, MonthlyInterest: b.Policy.MonthlyInterest, Payer: payer,
	}, nil
}

// bankNossoNumero is the nosso número as the bank knows it and the boleto
// prints it: for Banco do Brasil's 7-digit convênio, the convênio followed
// by the local provider's sequence in 10 digits (payments.NewBoleto).
func bankNossoNumero(a payments.Account, seq string) string {
	if a.Bank == "001" && len(seq) <= 10 {
		return strings.TrimSpace(a.Convenio) + strings.Repeat("0", 10-len(seq)) + seq
	}
	return seq
}

// companyRef is the charge id as the 25-character 35.3P field carries it:
// without the "QT" and "Q" that frame every charge id.
func companyRef(chargeID string) string {
	ref := strings.TrimSuffix(strings.TrimPrefix(chargeID, "QT"), "Q")
	if len(ref) > 25 {
		ref = ref[:25]
	}
	return ref
}
