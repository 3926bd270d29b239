import { Migration } from '@mikro-orm/migrations';

export class Migration20261201120706_lifecycle extends Migration {

  override name = 'Migration20261201120706_lifecycle';

  override up(): void | Promise<void> {
    this.addSql(`alter table [platforms] add [version] int not null constraint [platforms_version_default] default 1, [deleted] bit not null constraint [platforms_deleted_default] default 0, [changed_at] bigint not null constraint [platforms_changed_at_default] default '0';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`declare @constraint0 varchar(100) = (select default_constraints.name from sys.all_columns join sys.tables on all_columns.object_id = tables.object_id join sys.schemas on tables.schema_id = schemas.schema_id join sys.default_constraints on all_columns.default_object_id = default_constraints.object_id where schemas.name = 'dbo' and tables.name = 'platforms' and all_columns.name = 'version') if @constraint0 is not null exec('alter table [platforms] drop constraint ' + @constraint0);`);
    this.addSql(`declare @constraint1 varchar(100) = (select default_constraints.name from sys.all_columns join sys.tables on all_columns.object_id = tables.object_id join sys.schemas on tables.schema_id = schemas.schema_id join sys.default_constraints on all_columns.default_object_id = default_constraints.object_id where schemas.name = 'dbo' and tables.name = 'platforms' and all_columns.name = 'deleted') if @constraint1 is not null exec('alter table [platforms] drop constraint ' + @constraint1);`);
    this.addSql(`declare @constraint2 varchar(100) = (select default_constraints.name from sys.all_columns join sys.tables on all_columns.object_id = tables.object_id join sys.schemas on tables.schema_id = schemas.schema_id join sys.default_constraints on all_columns.default_object_id = default_constraints.object_id where schemas.name = 'dbo' and tables.name = 'platforms' and all_columns.name = 'changed_at') if @constraint2 is not null exec('alter table [platforms] drop constraint ' + @constraint2);`);
    this.addSql(`alter table [platforms] drop column [version], [deleted], [changed_at];`);
  }

}
