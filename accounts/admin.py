from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError

from .models import User
from .services import clinician_unverify, clinician_verify


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
