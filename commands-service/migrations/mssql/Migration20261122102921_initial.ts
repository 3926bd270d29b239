import { Migration } from '@mikro-orm/migrations';

export class Migration20261122102921_initial extends Migration {

  override name = 'Migration20261122102921_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table [platforms] ([id] int identity(1,1) not null constraint [platforms_pkey] primary key, [external_id] int not null, [name] nvarchar(200) not null);`);
    this.addSql(`create unique index [platforms_external_id_unique] on [platforms] ([external_id]);`);

    this.addSql(`create table [commands] ([id] int identity(1,1) not null constraint [commands_pkey] primary key, [how_to] nvarchar(500) not null, [command_line] nvarchar(500) not null, [platform_id] int not null);`);
    this.addSql(`create index [commands_platform_id_index] on [commands] ([platform_id]);`);

    this.addSql(`alter table [commands] add constraint [commands_platform_id_foreign] foreign key ([platform_id]) references [platforms] ([id]);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table [commands] drop constraint [commands_platform_id_foreign];`);

    this.addSql(`if object_id('[platforms]', 'U') is not null drop table [platforms];`);
    this.addSql(`if object_id('[commands]', 'U') is not null drop table [commands];`);
  }

}
