// The `responses` stage of the edge-api sample: exports `demo:edge/responses`.
//
// componentize-js maps the interface to an exported object named after it. Records
// arrive as plain objects with camelCase keys, `option<string>` as the string or
// `undefined`, and u64 values as BigInt (JSON.stringify refuses BigInt: convert first).

function cents(amount) {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export const responses = {
  shape(order, caller, now) {
    const items = order.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unit_price_cents: item.unitPriceCents,
      line_total_cents: item.quantity * item.unitPriceCents,
    }));
    const totalCents = items.reduce((sum, item) => sum + item.line_total_cents, 0);
    const body = {
      status: 'accepted',
      order: {
        customer: order.customer,
        placed_by: caller.subject,
        items,
        item_count: items.reduce((sum, item) => sum + item.quantity, 0),
        total_cents: totalCents,
        total: cents(totalCents),
      },
      received_at: new Date(Number(now) * 1000).toISOString(),
      token_expires_in: Number(caller.expiresIn),
    };
    if (order.note !== undefined) {
      body.order.note = order.note;
    }
    return JSON.stringify(body);
  },
};
