package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/payments"
)

// ChargeRecord is one charge quita asked a provider for, with what became
// of it. The money fields only grow: ReceivedCents and RefundedCents add up
// every distinct payment applied, so that the outcome does not depend on the
// order the provider's notifications arrive in.
type ChargeRecord struct {
	payments.Charge
	CreditorID    string   `json:"creditor_id"`
	DebtID        string   `json:"debt_id"`
	Installment   int      `json:"installment,omitempty"` // 1-based agreement installment; 0: the whole debt
	ReceivedCents int64    `json:"received_cents,omitempty"`
	RefundedCents int64    `json:"refunded_cents,omitempty"`
	Settled       bool     `json:"settled,omitempty"` // the debt or installment was settled by this charge
	Payments      []string `json:"payments,omitempty"`
	Problem       string   `json:"problem,omitempty"` // why the bank rejected it, or the last issuing error
	Remessa       int      `json:"remessa,omitempty"` // CNAB remessa sequence that carried it (local)
	// WriteOffRemessa is the remessa that asked the bank to write off
	// (baixa) a local boleto cancelled after a remessa carried it.
	WriteOffRemessa int `json:"writeoff_remessa,omitempty"`
	// WrittenOff is true once the bank reported the boleto written off
	// (CNAB baixa): no remessa needs to ask for it.
	WrittenOff bool      `json:"written_off,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// NetCents is what was paid and not given back.
func (r ChargeRecord) NetCents() int64 { return r.ReceivedCents - r.RefundedCents }

// Live reports whether the debtor can still pay this charge.
func (r ChargeRecord) Live() bool {
	switch r.State {
	case payments.ChargeUnregistered, payments.ChargeRegistered, payments.ChargeOverdue, "":
		return true
	}
	return false
}

func (k Keys) charge(id string) string { return k.Prefix + ":charge:" + id }
func (k Keys) liveCharge(debt string, installment int) string {
	return k.Prefix + ":charge:live:" + debt + ":" + strconv.Itoa(installment)
}
func (k Keys) debtCharges(debt string) string { return k.Prefix + ":charge:debt:" + debt }
func (k Keys) chargeByProvider(provider, providerID string) string {
	return k.Prefix + ":charge:pid:" + provider + ":" + providerID
}

// creditorChargeByProvider indexes a charge by its creditor too: a local
// boleto's provider id is the creditor's own nosso-número sequence, which
// other creditors' boletos repeat.
func (k Keys) creditorChargeByProvider(creditor, provider, providerID string) string {
	return k.Prefix + ":charge:cpid:" + creditor + ":" + provider + ":" + providerID
}
func (k Keys) paymentSeen(provider, id string) string {
	return k.Prefix + ":payment:seen:" + provider + ":" + id
}
func (k Keys) unsentCharges(creditor string) string { return k.Prefix + ":charge:unsent:" + creditor }
func (k Keys) openCharges() string                  { return k.Prefix + ":charge:open" }
func (k Keys) writeOffCharges(creditor string) string {
	return k.Prefix + ":charge:writeoff:" + creditor
}
func (k Keys) remessaSeq(creditor string) string { return k.Prefix + ":cnab:seq:" + creditor }
func (k Keys) chargeLock(debt string) string     { return k.Prefix + ":charge:lock:" + debt }

// SaveCharge writes a charge and its indexes: the debt's history, the
// provider id, and, for a local boleto not yet in a remessa, the creditor's
// unsent set.
func (s *Store) SaveCharge(ctx context.Context, r ChargeRecord) error {
	return s.SaveChargeWithPayment(ctx, r, nil)
}

// PaymentRecord is one payment or refund applied to a charge
// (billing.Apply), as the archive keeps it (its payments table).
type PaymentRecord struct {
	ID          string    `json:"id"` // provider:payment id:event, unique
	ChargeID    string    `json:"charge_id"`
	DebtID      string    `json:"debt_id"`
	CreditorID  string    `json:"creditor_id,omitempty"`
	Installment int       `json:"installment,omitempty"`
	Provider    string    `json:"provider"`
	Event       string    `json:"event"` // payments.PaymentReceived or PaymentRefunded
	Kind        string    `json:"kind,omitempty"`
	AmountCents int64     `json:"amount_cents"` // what moved, positive for a refund too
	At          time.Time `json:"at"`           // when the money moved
}

// SaveChargeWithPayment is SaveCharge that, with archiving on, also puts
// the payment p (nil: none) in the archive's outbox in the same
// transaction, so that the archive gets every payment applied exactly
// when the charge counts it.
func (s *Store) SaveChargeWithPayment(ctx context.Context, r ChargeRecord, pay *PaymentRecord) error {
	if r.ChargeID == "" || r.DebtID == "" {
		return errors.New("save charge: charge id and debt id are required")
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("save charge %s: %w", r.ChargeID, err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keys.charge(r.ChargeID), b, 0)
		p.ZAdd(ctx, s.keys.debtCharges(r.DebtID), redis.Z{Score: float64(r.CreatedAt.UnixMilli()), Member: r.ChargeID})
		if r.ProviderID != "" {
			p.Set(ctx, s.keys.chargeByProvider(r.Provider, r.ProviderID), r.ChargeID, 0)
			if r.CreditorID != "" {
				p.Set(ctx, s.keys.creditorChargeByProvider(r.CreditorID, r.Provider, r.ProviderID), r.ChargeID, 0)
			}
		}
		// Charges a provider can be asked about, for the reconciliation pass.
		if r.Live() && r.ProviderID != "" && r.Provider != "local" && r.Provider != "api" {
			p.ZAdd(ctx, s.keys.openCharges(), redis.Z{Score: float64(r.CreatedAt.UnixMilli()), Member: r.ChargeID})
		} else {
			p.ZRem(ctx, s.keys.openCharges(), r.ChargeID)
		}
		if r.Provider == "local" && r.Kind != payments.KindPix && r.State == payments.ChargeUnregistered && r.Remessa == 0 {
			p.ZAdd(ctx, s.keys.unsentCharges(r.CreditorID), redis.Z{Score: float64(r.CreatedAt.UnixMilli()), Member: r.ChargeID})
		} else {
			p.ZRem(ctx, s.keys.unsentCharges(r.CreditorID), r.ChargeID)
		}
		// A local boleto a remessa carried and quita then cancelled is still
		// payable at the bank until a remessa asks for its baixa.
		if r.Provider == "local" && r.Kind != payments.KindPix && r.State == payments.ChargeCancelled && r.Remessa > 0 && r.WriteOffRemessa == 0 && !r.WrittenOff {
			p.ZAdd(ctx, s.keys.writeOffCharges(r.CreditorID), redis.Z{Score: float64(r.UpdatedAt.UnixMilli()), Member: r.ChargeID})
		} else {
			p.ZRem(ctx, s.keys.writeOffCharges(r.CreditorID), r.ChargeID)
		}
		if s.archiving.Load() {
			// Every version of the charge goes to the archive (a dispute asks
			// what was issued, when, at which provider); the payment it counts
			// with it, in the same transaction.
			p.XAdd(ctx, &redis.XAddArgs{Stream: s.keys.ArchiveActions(), Values: []any{"c", "", "ch", b}})
			if pay != nil {
				pb, err := json.Marshal(pay)
				if err != nil {
					return err
				}
				p.XAdd(ctx, &redis.XAddArgs{Stream: s.keys.ArchiveActions(), Values: []any{"c", "", "p", pb}})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save charge %s: %w", r.ChargeID, err)
	}
	return nil
}

// Charge reads one charge; ErrNotFound when there is none.
func (s *Store) Charge(ctx context.Context, id string) (ChargeRecord, error) {
	var r ChargeRecord
	b, err := s.rdb.Get(ctx, s.keys.charge(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return r, fmt.Errorf("charge %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("charge %s: %w", id, err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("charge %s: %w", id, err)
	}
	return r, nil
}

// ChargeByProviderID finds a charge by the provider's id for it.
func (s *Store) ChargeByProviderID(ctx context.Context, provider, providerID string) (ChargeRecord, error) {
	id, err := s.rdb.Get(ctx, s.keys.chargeByProvider(provider, providerID)).Result()
	if errors.Is(err, redis.Nil) {
		return ChargeRecord{}, fmt.Errorf("%s charge %s: %w", provider, providerID, ErrNotFound)
	}
	if err != nil {
		return ChargeRecord{}, err
	}
	return s.Charge(ctx, id)
}

// CreditorChargeByProviderID finds a creditor's charge by the provider's id
// for it, where provider ids are only unique per creditor (a local
// boleto's nosso-número sequence).
func (s *Store) CreditorChargeByProviderID(ctx context.Context, creditor, provider, providerID string) (ChargeRecord, error) {
	id, err := s.rdb.Get(ctx, s.keys.creditorChargeByProvider(creditor, provider, providerID)).Result()
	if errors.Is(err, redis.Nil) {
		return ChargeRecord{}, fmt.Errorf("%s charge %s of creditor %s: %w", provider, providerID, creditor, ErrNotFound)
	}
	if err != nil {
		return ChargeRecord{}, err
	}
	return s.Charge(ctx, id)
}

// LiveChargeID is the id of the charge the debtor is meant to pay for a debt
// (or one installment of its agreement); "" when none.
func (s *Store) LiveChargeID(ctx context.Context, debt string, installment int) (string, error) {
	id, err := s.rdb.Get(ctx, s.keys.liveCharge(debt, installment)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return id, err
}

// SetLiveCharge makes id the live charge of the debt's slot; "" clears it.
func (s *Store) SetLiveCharge(ctx context.Context, debt string, installment int, id string) error {
	if id == "" {
		return s.rdb.Del(ctx, s.keys.liveCharge(debt, installment)).Err()
	}
	return s.rdb.Set(ctx, s.keys.liveCharge(debt, installment), id, 0).Err()
}

// DebtCharges lists a debt's charges, oldest first.
func (s *Store) DebtCharges(ctx context.Context, debt string) ([]ChargeRecord, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.debtCharges(debt), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("charges of debt %s: %w", debt, err)
	}
	return s.charges(ctx, ids)
}

func (s *Store) charges(ctx context.Context, ids []string) ([]ChargeRecord, error) {
	out := make([]ChargeRecord, 0, len(ids))
	for _, id := range ids {
		r, err := s.Charge(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// UnsentLocalCharges lists a creditor's local boletos that no CNAB remessa
// has carried yet, oldest first.
func (s *Store) UnsentLocalCharges(ctx context.Context, creditor string) ([]ChargeRecord, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.unsentCharges(creditor), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("unsent charges of %s: %w", creditor, err)
	}
	return s.charges(ctx, ids)
}

// WriteOffLocalCharges lists a creditor's local boletos that a remessa
// carried and quita cancelled since (superseded, or the debt settled
// another way), which the next remessa asks the bank to write off.
func (s *Store) WriteOffLocalCharges(ctx context.Context, creditor string) ([]ChargeRecord, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.writeOffCharges(creditor), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("charges to write off of %s: %w", creditor, err)
	}
	return s.charges(ctx, ids)
}

// NextRemessa returns the creditor's next CNAB remessa sequence number (1, 2, …).
func (s *Store) NextRemessa(ctx context.Context, creditor string) (int, error) {
	n, err := s.rdb.Incr(ctx, s.keys.remessaSeq(creditor)).Result()
	return int(n), err
}

// ClaimPayment records that a provider's payment (or refund) id was seen:
// true the first time, false for a redelivery. Release undoes a claim whose
// application failed, so that the next delivery applies it.
func (s *Store) ClaimPayment(ctx context.Context, provider, id, chargeID string) (bool, error) {
	return s.rdb.SetNX(ctx, s.keys.paymentSeen(provider, id), chargeID, 0).Result()
}

// ReleasePayment forgets a claim (see ClaimPayment).
func (s *Store) ReleasePayment(ctx context.Context, provider, id string) error {
	return s.rdb.Del(ctx, s.keys.paymentSeen(provider, id)).Err()
}

// LockDebtCharges serialises charge issuing and payments for one debt, so
// that two requests never leave two live charges; unlock with the returned
// function.
func (s *Store) LockDebtCharges(ctx context.Context, debt string, ttl time.Duration) (func(), error) {
	token := NewID()
	key := s.keys.chargeLock(debt)
	for {
		ok, err := s.rdb.SetNX(ctx, key, token, ttl).Result()
		if err != nil {
			return nil, fmt.Errorf("lock charges of %s: %w", debt, err)
		}
		if ok {
			return func() { _ = deleteIfOwnerScript.Run(context.WithoutCancel(ctx), s.rdb, []string{key}, token).Err() }, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock charges of %s: %w", debt, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var deleteIfOwnerScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

func (k Keys) nossoNumeroSeq(creditor string) string { return k.Prefix + ":charge:nn:" + creditor }

// NextNossoNumero is the creditor's next boleto number for locally computed
// boletos (1, 2, …): unique per account, as the bank requires.
func (s *Store) NextNossoNumero(ctx context.Context, creditor string) (int64, error) {
	return s.rdb.Incr(ctx, s.keys.nossoNumeroSeq(creditor)).Result()
}

// OpenCharges lists up to limit live charges of API providers (asaas,
// pix_api), oldest first: what the reconciliation pass looks up.
func (s *Store) OpenCharges(ctx context.Context, limit int64) ([]ChargeRecord, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.openCharges(), 0, limit-1).Result()
	if err != nil {
		return nil, fmt.Errorf("open charges: %w", err)
	}
	return s.charges(ctx, ids)
}
