import { Migration } from '@mikro-orm/migrations';

export class Migration20261122102921_initial extends Migration {

  override name = 'Migration20261122102921_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table [outbox_messages] ([id] bigint identity(1,1) not null constraint [outbox_messages_pkey] primary key, [topic] nvarchar(255) not null, [message_id] nvarchar(64) not null, [payload] varbinary(max) not null, [metadata] nvarchar(max) not null, [created_at] datetime2 not null, [sent_at] datetime2 null);`);
    this.addSql(`create unique index [outbox_messages_message_id_unique] on [outbox_messages] ([message_id]);`);
    this.addSql(`create index [outbox_messages_sent_at_index] on [outbox_messages] ([sent_at]);`);

    this.addSql(`create table [platforms] ([id] int identity(1,1) not null constraint [platforms_pkey] primary key, [name] nvarchar(200) not null, [publisher] nvarchar(200) not null, [cost] nvarchar(200) not null, [created_at] datetime2 not null);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`if object_id('[outbox_messages]', 'U') is not null drop table [outbox_messages];`);
    this.addSql(`if object_id('[platforms]', 'U') is not null drop table [platforms];`);
  }

}
