// Package payments is quita's pure payment domain: FEBRABAN boletos (barcode,
// linha digitável, bank-specific campo livre, PDF), PIX BR Codes and their QR
// images, segunda via, payment plans and agreements (acordos).
//
// Nothing here does I/O or reads the clock: every function that depends on
// "today" takes it as an argument, and dates are civil dates (only the year,
// month and day of a time.Time are used). Amounts are integer cents.
//
// The pieces:
//
//   - Boletos: NewBoleto(Account, nossoNumero, cents, due) for Banco do Brasil
//     (001, 7-digit convênio), Santander (033), Caixa SIGCB (104), Bradesco
//     (237) and Itaú (341); ParseBoleto(linhaOrBarcode, ref) checks and decodes
//     any boleto de cobrança, naming a failing check digit (*CheckDigitError);
//     DueFactor/FactorDate handle the 2025-02-22 factor rollover (parsing
//     picks the cycle nearest ref).
//   - BoletoPDF(BoletoDocument) renders the boleto, with BarcodeImage's
//     Interleaved 2 of 5 at 103 mm × 13 mm.
//   - SegundaVia(Policy, Account, Debt, today) reissues an overdue boleto with
//     fine (≤ 2%) and pro-rata interest, due in N business days
//     (AddBusinessDays: weekends and national holidays skipped).
//   - PIX: PixPayload(Pix) builds the BR Code (normalising name and city),
//     EncodeBRCode writes fields as given, ParsePix checks CRC and lengths,
//     PixQRPNG renders the QR code, CRC16 is CRC-16/CCITT-FALSE.
//   - Plans: FullPlan, InstallmentPlan (Price table), OffersFor, NearestPlan;
//     NewAgreement then Agreement.Pay and Agreement.Evaluate follow an acordo
//     until it is paid or breaks.
//   - PaymentProvider is the seam for a bank or PSP API; Local is the default
//     in-process implementation.
//   - FormatBRL, FormatAmount and ParseAmount convert money for people.
package payments
