from collections import Counter

from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, model_ngettext
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import router

from .models import User
from .services import clinician_unverify, clinician_verify, user_sessions_end


def counted_by_kind(counts: dict[type, int]) -> list[str]:
    """ "12 episodes", "1 medication": how many rows of each kind, never what the rows say."""
    by_name = sorted(counts.items(), key=lambda item: item[0]._meta.verbose_name)
    return [f"{count} {model_ngettext(model, count)}" for model, count in by_name]


class PendingVerificationFilter(admin.SimpleListFilter):
    title = "clinician verification"
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [("pending", "Pending"), ("verified", "Verified")]

    def queryset(self, request, queryset):
        clinicians = queryset.filter(role=User.Role.CLINICIAN)
        if self.value() == "pending":
            return clinicians.filter(clinician_verified_at__isnull=True)
        if self.value() == "verified":
            return clinicians.filter(clinician_verified_at__isnull=False)
        return queryset


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "role", "clinician_verified_at", "is_staff", "is_active", "date_joined")
    # Clinicians waiting for verification are listed with what they gave at sign-up, which staff check.
    pending_list_display = ("email", "full_name", "professional_details", "date_joined")
    list_filter = ("role", PendingVerificationFilter, "is_staff", "is_active")
    search_fields = ("email", "full_name", "professional_details")
    readonly_fields = ("clinician_verified_at", "clinician_verified_by", "last_login", "date_joined")
    actions = ["verify_clinicians", "unverify_clinicians"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "role", "professional_details")}),
        ("Clinician verification", {"fields": ("clinician_verified_at", "clinician_verified_by")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "role", "password1", "password2")}),
    )

    def get_list_display(self, request):
        if request.GET.get(PendingVerificationFilter.parameter_name) == "pending":
            return self.pending_list_display
        return super().get_list_display(request)

    def get_deleted_objects(self, objs, request):
        """What deleting these accounts would take with them, or is blocked by, counted by kind: Django lists
        each row by name, which would show staff a patient's medicines, doses, cramps and invitations."""
        collector = NestedObjects(using=router.db_for_write(self.model), origin=objs)
        collector.collect(objs)
        perms_needed = {
            model._meta.verbose_name
            for model, rows in collector.model_objs.items()
            if self.admin_site.is_registered(model)
            and not all(self.admin_site.get_model_admin(model).has_delete_permission(request, row) for row in rows)
        }
        to_delete = {model: len(rows) for model, rows in collector.model_objs.items()}
        model_count = {model._meta.verbose_name_plural: count for model, count in to_delete.items()}
        protected = Counter(type(row) for row in collector.protected)
        return counted_by_kind(to_delete), model_count, perms_needed, counted_by_kind(protected)

    def delete_model(self, request, obj):
        """An account deleted by staff is signed out everywhere, as one its owner deletes."""
        user_sessions_end(user=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            user_sessions_end(user=user)
        super().delete_queryset(request, queryset)

    @admin.action(description="Verify the selected clinicians")
    def verify_clinicians(self, request, queryset):
        verified = 0
        for user in queryset:
            try:
                clinician_verify(clinician=user, verified_by=request.user)
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.WARNING)
            else:
                verified += 1
        self.message_user(request, f"{verified} clinician(s) verified.", messages.SUCCESS)

    @admin.action(description="Withdraw verification of the selected clinicians")
    def unverify_clinicians(self, request, queryset):
        for user in queryset.filter(role=User.Role.CLINICIAN):
            clinician_unverify(clinician=user)
        self.message_user(request, "Verification withdrawn.", messages.SUCCESS)


# allauth.mfa's own admin shows each authenticator's data: TOTP secrets and recovery-code seeds. It is
# registered by now, allauth.mfa coming before accounts in INSTALLED_APPS (admin modules load in that order).
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Which second factors an account has set up and when they were last used; never their secrets. Deleting
    one (a lost phone) stays with Django's permissions, as does closing an account, which deletes them all."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    list_select_related = ("user",)
    search_fields = ("user__email",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
