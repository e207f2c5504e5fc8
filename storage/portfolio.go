package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
)

// SaveDebtor writes a debtor and its phone and CPF indexes.
func (s *Store) SaveDebtor(ctx context.Context, d dialogs.Debtor) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode debtor: %w", err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.Set(ctx, s.keys.Debtor(d.ID), b, 0)
	for _, p := range d.Phones {
		pipe.Set(ctx, s.keys.PhoneIndex(p), d.ID, 0)
	}
	if d.CPF != "" {
		pipe.Set(ctx, s.keys.CPFIndex(d.CPF), d.ID, 0)
	}
	_, err = pipe.Exec(ctx)
	return err
}

// SaveDebt writes a debt, links it to its debtor and indexes its invoice.
func (s *Store) SaveDebt(ctx context.Context, d dialogs.Debt) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode debt: %w", err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.Set(ctx, s.keys.Debt(d.ID), b, 0)
	pipe.SAdd(ctx, s.keys.DebtorDebts(d.DebtorID), d.ID)
	if d.Invoice != "" {
		pipe.Set(ctx, s.keys.InvoiceIndex(d.CreditorID, d.Invoice), d.ID, 0)
	}
	_, err = pipe.Exec(ctx)
	return err
}

// Debtor loads a debtor by id.
func (s *Store) Debtor(ctx context.Context, id string) (dialogs.Debtor, error) {
	var d dialogs.Debtor
	return d, s.getJSON(ctx, s.keys.Debtor(id), &d)
}

// Debt loads a debt by id.
func (s *Store) Debt(ctx context.Context, id string) (dialogs.Debt, error) {
	var d dialogs.Debt
	return d, s.getJSON(ctx, s.keys.Debt(id), &d)
}

// DebtorByPhone finds the debtor who owns a number.
func (s *Store) DebtorByPhone(ctx context.Context, phone string) (dialogs.Debtor, error) {
	return s.debtorByIndex(ctx, s.keys.PhoneIndex(phone))
}

// DebtorByCPF finds a debtor by CPF digits.
func (s *Store) DebtorByCPF(ctx context.Context, cpf string) (dialogs.Debtor, error) {
	return s.debtorByIndex(ctx, s.keys.CPFIndex(cpf))
}

func (s *Store) debtorByIndex(ctx context.Context, key string) (dialogs.Debtor, error) {
	id, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return dialogs.Debtor{}, ErrNotFound
	}
	if err != nil {
		return dialogs.Debtor{}, fmt.Errorf("look up debtor: %w", err)
	}
	return s.Debtor(ctx, id)
}

// DebtsOf loads every debt of a debtor.
func (s *Store) DebtsOf(ctx context.Context, debtorID string) ([]dialogs.Debt, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.DebtorDebts(debtorID)).Result()
	if err != nil {
		return nil, fmt.Errorf("list debts: %w", err)
	}
	out := make([]dialogs.Debt, 0, len(ids))
	for _, id := range ids {
		d, err := s.Debt(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (s *Store) getJSON(ctx context.Context, key string, v any) error {
	b, err := s.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("load %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}
