package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/quita-bot/quita/payments"
)

func init() {
	register(command{name: "pix", summary: "generate a PIX copia-e-cola payload (optional QR PNG) or check one", run: func(_ context.Context, args []string) error {
		return runPix(args, os.Stdout, os.Stderr)
	}})
}

// pixParsedOut is the JSON `quita pix --parse` prints.
type pixParsedOut struct {
	Key               string `json:"key,omitempty"`
	URL               string `json:"url,omitempty"`
	Name              string `json:"name"`
	City              string `json:"city"`
	Amount            string `json:"amount,omitempty"`
	TxID              string `json:"txid"`
	Description       string `json:"description,omitempty"`
	PointOfInitiation string `json:"point_of_initiation,omitempty"`
	CRC               string `json:"crc"`
}

func runPix(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pix", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var p payments.Pix
	var amount, qrPath, parse string
	var qrSize int
	fs.StringVar(&p.Key, "key", "", "PIX key: CPF, CNPJ, e-mail, +55 phone or random (EVP) key")
	fs.StringVar(&p.Name, "name", "", "merchant name (made plain uppercase ASCII, up to 25 characters)")
	fs.StringVar(&p.City, "city", "", "merchant city (plain uppercase ASCII, up to 15 characters)")
	fs.StringVar(&amount, "amount", "", "amount in reais (empty: the payer types it)")
	fs.StringVar(&p.TxID, "txid", "", "transaction id, up to 25 letters and digits (empty: ***)")
	fs.StringVar(&p.Description, "description", "", "optional description shown to the payer")
	fs.StringVar(&qrPath, "qr", "", "also write the QR code as a PNG to this file")
	fs.IntVar(&qrSize, "qr-size", 512, "QR code size in pixels")
	fs.StringVar(&parse, "parse", "", "check and decode a BR Code payload instead")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage:
  quita pix --key KEY --name NAME --city CITY [--amount 150.00] [--txid ID] [--description TEXT] [--qr out.png]
  quita pix --parse PAYLOAD

Prints {"payload": "..."} or, with --parse, the decoded fields (a wrong CRC or length is an error).

Flags:
`)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if parse != "" {
		d, err := payments.ParsePix(parse)
		if err != nil {
			return err
		}
		out := pixParsedOut{Key: d.Key, URL: d.URL, Name: d.Name, City: d.City, TxID: d.TxID, Description: d.Description, PointOfInitiation: d.PointOfInitiation, CRC: d.CRC}
		if d.AmountCents > 0 {
			out.Amount = payments.FormatAmount(d.AmountCents)
		}
		return emitJSON(stdout, out)
	}
	if p.Key == "" || p.Name == "" || p.City == "" {
		return errors.New("--key, --name and --city are required (see quita pix -h)")
	}
	if amount != "" {
		cents, err := payments.ParseAmount(amount)
		if err != nil {
			return fmt.Errorf("--amount: %w", err)
		}
		p.AmountCents = cents
	}
	payload, err := payments.PixPayload(p)
	if err != nil {
		return err
	}
	if qrPath != "" {
		png, err := payments.PixQRPNG(payload, qrSize)
		if err != nil {
			return err
		}
		if err := os.WriteFile(qrPath, png, 0o644); err != nil {
			return fmt.Errorf("--qr: %w", err)
		}
	}
	return emitJSON(stdout, map[string]string{"payload": payload})
}
