import { defineEvent, defineTopic } from '@kbus/core';
import * as z from 'zod';

export const OrderPlaced = defineEvent({
  type: 'order.placed',
  version: 1,
  namespace: 'com.example.shop',
  schema: z.object({ orderId: z.uuid(), amountCents: z.int(), note: z.string().optional() }),
  aggregateId: (payload) => payload.orderId,
});

export const OrderShipped = defineEvent({
  type: 'order.shipped',
  version: 1,
  namespace: 'com.example.shop',
  schema: z.object({ orderId: z.uuid(), carrier: z.enum(['dhl', 'ups']) }),
  aggregateId: (payload) => payload.orderId,
});

export function ordersTopic(name: string) {
  return defineTopic({ name, aggregate: 'order', events: [OrderPlaced, OrderShipped], partitions: 3 });
}
