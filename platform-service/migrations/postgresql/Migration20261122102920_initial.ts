import { Migration } from '@mikro-orm/migrations';

export class Migration20261122102920_initial extends Migration {

  override name = 'Migration20261122102920_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "outbox_messages" ("id" bigserial primary key, "topic" varchar(255) not null, "message_id" varchar(64) not null, "payload" bytea not null, "metadata" jsonb not null, "created_at" timestamptz not null, "sent_at" timestamptz null);`);
    this.addSql(`alter table "outbox_messages" add constraint "outbox_messages_message_id_unique" unique ("message_id");`);
    this.addSql(`create index "outbox_messages_sent_at_index" on "outbox_messages" ("sent_at");`);

    this.addSql(`create table "platforms" ("id" serial primary key, "name" varchar(200) not null, "publisher" varchar(200) not null, "cost" varchar(200) not null, "created_at" timestamptz not null);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "outbox_messages" cascade;`);
    this.addSql(`drop table if exists "platforms" cascade;`);
  }

}
