package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPixCommand(t *testing.T) {
	var out, errb bytes.Buffer
	qr := filepath.Join(t.TempDir(), "qr.png")
	args := []string{"--key", "123e4567-e12b-12d1-a456-426655440000", "--name", "Fulano de Tal", "--city", "Brasília", "--amount", "150.00", "--txid", "QUITA1", "--qr", qr}
	if err := runPix(args, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var res map[string]string
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	const want = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865406150.005802BR5913FULANO DE TAL6008BRASILIA62100506QUITA16304"
	if !strings.HasPrefix(res["payload"], want) || len(res["payload"]) != len(want)+4 {
		t.Errorf("payload %s", res["payload"])
	}
	if data, err := os.ReadFile(qr); err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Errorf("qr: %v", err)
	}

	out.Reset()
	if err := runPix([]string{"--parse", res["payload"]}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var parsed map[string]string
	_ = json.Unmarshal(out.Bytes(), &parsed)
	if parsed["amount"] != "150.00" || parsed["city"] != "BRASILIA" || parsed["txid"] != "QUITA1" {
		t.Errorf("parsed %v", parsed)
	}
	bad := res["payload"][:20] + "X" + res["payload"][21:]
	if err := runPix([]string{"--parse", bad}, &out, &errb); err == nil || !strings.Contains(err.Error(), "CRC") {
		t.Errorf("got %v", err)
	}
	if err := runPix([]string{"--key", "k"}, &out, &errb); err == nil {
		t.Error("missing name and city accepted")
	}
}
