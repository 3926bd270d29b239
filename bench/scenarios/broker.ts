/** RabbitMQ housekeeping for benchmarks: every object they declare ends in a random suffix and is deleted afterwards. */
import amqp from 'amqplib';

/** Deletes the queues and exchanges named `bench.*.<suffix>` (those of bench/servers/commands-service.ts and the raw baseline). */
export async function deleteBenchTopology(url: string, suffix: string): Promise<void> {
  const connection = await amqp.connect(url).catch(() => undefined);
  if (connection === undefined) return;
  try {
    const channel = await connection.createChannel();
    for (const queue of [`bench.commands-service.platform-events.${suffix}`, `bench.commands-service.platform-events.dlq.${suffix}`, `bench.raw.${suffix}`]) {
      await channel.deleteQueue(queue);
    }
    for (const exchange of [`bench.platform.events.${suffix}`, `bench.platform.events.dlx.${suffix}`, `bench.raw.${suffix}`]) {
      await channel.deleteExchange(exchange);
    }
    await channel.close();
  } finally {
    await connection.close();
  }
}
