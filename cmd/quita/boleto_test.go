package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBoletoCommand(t *testing.T) {
	var out, errb bytes.Buffer
	pdf := filepath.Join(t.TempDir(), "b.pdf")
	args := strings.Fields("--bank 341 --agency 1234 --account 12345 --carteira 109 --nosso-numero 12345678 --amount 150.00 --due 2026-12-10 --pdf " + pdf)
	if err := runBoleto(args, &out, &errb, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err, errb.String())
	}
	want := `{"bank":"341","barcode":"34198165600000150001091234567841234123451000","linha_digitavel":"34191.09123 34567.841233 41234.510000 8 16560000015000","due_date":"2026-12-10","amount":"150.00"}` + "\n"
	if out.String() != want {
		t.Errorf("got  %s\nwant %s", out.String(), want)
	}
	data, err := os.ReadFile(pdf)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF")) {
		t.Errorf("pdf: %v", err)
	}
}

func TestBoletoParseCommand(t *testing.T) {
	var out, errb bytes.Buffer
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	if err := runBoleto([]string{"--parse", "34191.09123 34567.841233 41234.510000 8 16560000015000"}, &out, &errb, now); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["due_date"] != "2026-12-10" || got["amount"] != "150.00" || got["bank"] != "341" || got["factor"] != 1656.0 {
		t.Errorf("got %v", got)
	}
	err := runBoleto([]string{"--parse", "34191.09123 34567.841234 41234.510000 8 16560000015000"}, &out, &errb, now)
	if err == nil || !strings.Contains(err.Error(), "field 2 check digit") {
		t.Errorf("got %v", err)
	}
}

func TestBoletoCommandErrors(t *testing.T) {
	now := time.Now()
	for _, args := range [][]string{
		{},
		strings.Fields("--bank 999 --nosso-numero 1 --amount 1 --due 2026-12-10"),
		strings.Fields("--bank 341 --agency 1234 --account 12345 --carteira 109 --nosso-numero 1 --amount 1.234 --due 2026-12-10"),
		strings.Fields("--bank 341 --agency 1234 --account 12345 --carteira 109 --nosso-numero 1 --amount 1 --due 10/12/2026"),
	} {
		var out, errb bytes.Buffer
		if err := runBoleto(args, &out, &errb, now); err == nil {
			t.Errorf("%v: expected an error", args)
		}
	}
	var out, errb bytes.Buffer
	if err := runBoleto([]string{"-h"}, &out, &errb, now); err != nil || !strings.Contains(errb.String(), "Santander") {
		t.Errorf("help: %v %s", err, errb.String())
	}
}
