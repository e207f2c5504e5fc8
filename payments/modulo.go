package payments

// mod10 is FEBRABAN's modulo 10: weights 2,1,2,1… from the right, the digits
// of each product added up, digit = (10 − sum mod 10) mod 10.
func mod10(digits string) int {
	sum, w := 0, 2
	for i := len(digits) - 1; i >= 0; i-- {
		p := int(digits[i]-'0') * w
		sum += p/10 + p%10
		w = 3 - w
	}
	return (10 - sum%10) % 10
}

// mod11Sum is the weighted sum used by every modulo 11 variant: weights
// 2…maxWeight from the right, repeating.
func mod11Sum(digits string, maxWeight int) int {
	sum, w := 0, 2
	for i := len(digits) - 1; i >= 0; i-- {
		sum += int(digits[i]-'0') * w
		if w++; w > maxWeight {
			w = 2
		}
	}
	return sum
}

// mod11General is the barcode's general check digit (position 5): weights
// 2…9, digit = 11 − (sum mod 11), and 1 when that gives 0, 10 or 11.
func mod11General(digits string) int {
	d := 11 - mod11Sum(digits, 9)%11
	if d == 0 || d == 10 || d == 11 {
		return 1
	}
	return d
}

// mod11ZeroHigh is the variant most banks use for nosso-número and campo
// livre digits: weights 2…9, digit = 11 − (sum mod 11), and 0 when above 9.
func mod11ZeroHigh(digits string) int {
	d := 11 - mod11Sum(digits, 9)%11
	if d > 9 {
		return 0
	}
	return d
}
