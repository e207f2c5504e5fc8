package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/quita-bot/quita/billing/pixapi"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/payments"
)

func init() {
	register(command{name: "payments", summary: "billing providers: payments check | webhook --creditor ID", run: runPayments})
}

const paymentsUsage = "usage: quita payments check --creditor ID | quita payments webhook --creditor ID [--url PUBLIC_URL]"

func runPayments(ctx context.Context, args []string) error {
	return paymentsMain(ctx, args, os.Stdout)
}

func paymentsMain(ctx context.Context, args []string, w io.Writer) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "webhook") {
		return errors.New(paymentsUsage)
	}
	fs := flag.NewFlagSet("payments "+args[0], flag.ContinueOnError)
	creditor := fs.String("creditor", "", "the creditor whose billing provider to use (required)")
	cfgPath := fs.String("config", os.Getenv("QUITA_CONFIG"), "the creditor YAML file (default: QUITA_CONFIG)")
	public := fs.String("url", os.Getenv("QUITA_PUBLIC_URL"), "quita's public base URL (webhook: default QUITA_PUBLIC_URL)")
	if help, err := parseFlags(fs, args[1:]); help || err != nil {
		return err
	}
	if *creditor == "" {
		return errors.New("say which creditor: --creditor ID (" + paymentsUsage + ")")
	}
	file, err := config.LoadFile(*cfgPath)
	if err != nil {
		return err
	}
	dir := config.NewDirectory(file)
	if _, ok := dir.Creditor(*creditor); !ok {
		return fmt.Errorf("unknown creditor %q: it is not in the creditor file", *creditor)
	}
	bp, err := dir.BillingProvider(*creditor)
	if err != nil {
		return err
	}
	if args[0] == "webhook" {
		return paymentsWebhook(ctx, w, dir, *creditor, bp, *public)
	}
	return paymentsCheck(ctx, w, dir, *creditor, bp)
}

// checker is a provider that can prove its credentials with one read call.
type checker interface {
	Check(ctx context.Context) error
}

// paymentsCheck verifies a creditor's provider as a charge would use it,
// printing what works and what does not, never a secret.
func paymentsCheck(ctx context.Context, w io.Writer, dir *config.Directory, creditor string, bp config.BillingProviderConfig) error {
	fmt.Fprintf(w, "creditor %s: billing provider %s\n", creditor, bp.Provider)
	problems := bp.Problems(nil)
	for _, p := range problems {
		fmt.Fprintf(w, "  FAIL %s\n", p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("creditor %s: %d problem(s) with billing: %s", creditor, len(problems), bp.Provider)
	}
	providers := providersFor(dir, nil)
	failed := 0
	for _, kind := range []payments.ChargeKind{payments.KindBoleto, payments.KindPix} {
		prov, err := providers(creditor, kind)
		if err != nil {
			fmt.Fprintf(w, "  FAIL %s: %v\n", kind, err)
			failed++
			continue
		}
		c, ok := prov.PaymentProvider.(checker)
		if !ok {
			fmt.Fprintf(w, "  ok   %s: %s (computed here; nothing to call)\n", kind, prov.Name)
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err = c.Check(cctx)
		cancel()
		if err != nil {
			fmt.Fprintf(w, "  FAIL %s: %s: %v\n", kind, prov.Name, err)
			failed++
			continue
		}
		fmt.Fprintf(w, "  ok   %s: %s answered (credentials accepted)\n", kind, prov.Name)
	}
	if failed > 0 {
		return fmt.Errorf("creditor %s: %d check(s) failed", creditor, failed)
	}
	return nil
}

// webhookRegistrar is a provider that registers quita's webhook by API.
type webhookRegistrar interface {
	RegisterWebhook(ctx context.Context, url string) error
}

// webhookURL is where a provider must send a creditor's payment notices.
func webhookURL(public, provider, creditor string) string {
	base := strings.TrimRight(public, "/")
	if provider == config.ProviderPixAPI {
		return base + "/webhooks/pix-api/" + creditor // the PSP appends /pix
	}
	return base + "/webhooks/asaas/" + creditor
}

func paymentsWebhook(ctx context.Context, w io.Writer, dir *config.Directory, creditor string, bp config.BillingProviderConfig, public string) error {
	if !strings.HasPrefix(public, "https://") {
		return fmt.Errorf("quita's public URL %q must be https for a provider to call it: pass --url https://… or set QUITA_PUBLIC_URL", public)
	}
	url := webhookURL(public, bp.Provider, creditor)
	switch bp.Provider {
	case config.ProviderAsaas:
		fmt.Fprintf(w, "In Asaas (Integrações → Webhooks → Cobranças), create a webhook:\n  URL: %s\n  Token de autenticação: the value of %s\n  Events: PAYMENT_RECEIVED, PAYMENT_CONFIRMED, PAYMENT_OVERDUE, PAYMENT_DELETED, PAYMENT_REFUNDED\n",
			url, bp.Asaas.WebhookTokenEnv)
		return nil
	case config.ProviderLocal:
		return fmt.Errorf("creditor %s bills locally: there is no webhook; payments come from `quita cnab retorno FILE` or POST /api/v1/payments", creditor)
	}
	prov, err := providersFor(dir, nil)(creditor, payments.KindPix)
	if err != nil {
		return err
	}
	reg, ok := prov.PaymentProvider.(webhookRegistrar)
	if !ok {
		return fmt.Errorf("%s cannot register webhooks", prov.Name)
	}
	if err := reg.RegisterWebhook(ctx, url); err != nil {
		return fmt.Errorf("register the webhook at %s: %w", prov.Name, err)
	}
	fmt.Fprintf(w, "webhook registered for creditor %s: %s (the PSP calls %s/pix)\n", creditor, url, url)
	if bp.Provider == config.ProviderPixAPI && bp.PixAPI.Recurring {
		c, ok := prov.PaymentProvider.(*pixapi.Client)
		if !ok {
			return fmt.Errorf("%s cannot register the Pix Automático webhooks", prov.Name)
		}
		if err := c.RegisterRecurringWebhooks(ctx, url); err != nil {
			return fmt.Errorf("register the Pix Automático webhooks (PUT /webhookrec, /webhookcobr): %w", err)
		}
		fmt.Fprintf(w, "Pix Automático webhooks registered for creditor %s: the PSP calls %s/rec and %s/cobr\n", creditor, url, url)
	}
	return nil
}
