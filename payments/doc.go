// Package payments is quita's pure payment domain: FEBRABAN boletos (barcode,
// linha digitável, bank-specific campo livre, PDF), PIX BR Codes and their QR
// images, segunda via, payment plans and agreements (acordos).
//
// Nothing here does I/O or reads the clock: every function that depends on
// "today" takes it as an argument, and dates are civil dates (only the year,
// month and day of a time.Time are used). Amounts are integer cents.
package payments
